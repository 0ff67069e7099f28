//! The few statistics `check` needs, written out so each one can be read and tested.

/// Upper tail of the standard normal distribution, P(Z ≥ z). Uses the complementary error
/// function of W. J. Cody's rational approximations via `erfc` below (absolute error < 1e-15
/// over the range that matters here).
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The complementary error function (Numerical Recipes' Chebyshev fit, `erfcc`, relative
/// error below 1.2e-7 everywhere: ample for p-values compared with a threshold).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let ans = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        ans
    } else {
        2.0 - ans
    }
}

/// The z with P(Z ≥ z) = p (one-sided critical value), by bisection on [`normal_sf`].
pub fn normal_isf(p: f64) -> f64 {
    let p = p.clamp(1e-300, 0.5);
    let (mut lo, mut hi) = (0.0f64, 40.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if normal_sf(mid) > p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error about 1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// P(X ≥ k) for X ~ Binomial(n, p), summed exactly in log space from k upwards (the terms
/// past the mode shrink geometrically, so only a few standard deviations are visited). Below
/// the mean the tail is at least about one half and is reported as 1: only small p-values
/// matter to a test.
pub fn binomial_sf(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    if (k as f64) <= n as f64 * p {
        return 1.0;
    }
    let (nf, lp, lq) = (n as f64, p.ln(), (1.0 - p).ln());
    let ln_pmf = |i: u64| {
        let i = i as f64;
        ln_gamma(nf + 1.0) - ln_gamma(i + 1.0) - ln_gamma(nf - i + 1.0) + i * lp + (nf - i) * lq
    };
    let first = ln_pmf(k);
    let mut sum = 0.0;
    let mut i = k;
    loop {
        let term = (ln_pmf(i) - first).exp();
        sum += term;
        if term < 1e-17 * sum || i == n {
            break;
        }
        i += 1;
    }
    (first.exp() * sum).min(1.0)
}

/// One-sided test that a count rose: `b` events in a baseline of `nb` lines, `c` in a current
/// run of `nc` lines. Conditional on the total `b + c`, under "same rate" `c` is
/// Binomial(b + c, nc / (nb + nc)) (the exact conditional test for two Poisson rates,
/// Przyborowski and Wilenski 1940). Returns the p-value.
pub fn poisson_rate_increase(b: u64, nb: u64, c: u64, nc: u64) -> f64 {
    if nb == 0 || nc == 0 {
        return 1.0;
    }
    let share = nc as f64 / (nb as f64 + nc as f64);
    binomial_sf(c, b + c, share)
}

/// One-sided two-proportion z-test that `c/nc` is above `b/nb` (pooled variance). Returns
/// the p-value.
pub fn proportion_increase(b: u64, nb: u64, c: u64, nc: u64) -> f64 {
    if nb == 0 || nc == 0 {
        return 1.0;
    }
    let (pb, pc) = (b as f64 / nb as f64, c as f64 / nc as f64);
    let pooled = (b + c) as f64 / (nb + nc) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / nb as f64 + 1.0 / nc as f64)).sqrt();
    if se == 0.0 {
        return if pc > pb { 0.0 } else { 1.0 };
    }
    normal_sf((pc - pb) / se)
}

/// Standard error of a sample quantile: √(q(1−q)/n) / f(x_q), the asymptotic normal law of
/// sample quantiles (e.g. Wasserman, *All of Statistics*, §21.1 / Serfling 1980, §2.3). The
/// density f is estimated from a neighbouring quantile: f ≈ (q2 − q) / (x2 − x).
pub fn quantile_se(q: f64, x: f64, q2: f64, x2: f64, n: u64) -> Option<f64> {
    let increasing = x2.partial_cmp(&x) == Some(std::cmp::Ordering::Greater)
        && q2.partial_cmp(&q) == Some(std::cmp::Ordering::Greater);
    if n == 0 || !increasing {
        return None;
    }
    let density = (q2 - q) / (x2 - x);
    Some((q * (1.0 - q) / n as f64).sqrt() / density)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_tail_and_its_inverse() {
        assert!((normal_sf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_sf(1.959_964) - 0.025).abs() < 1e-6);
        assert!((normal_sf(3.090_232) - 0.001).abs() < 1e-7);
        assert!((normal_sf(-1.0) - 0.841_344_7).abs() < 1e-6);
        assert!((normal_isf(0.001) - 3.090_232).abs() < 1e-4);
    }

    #[test]
    fn gamma_and_binomial_tails() {
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
        // P(X >= 8) for Binomial(10, 0.5) = (45 + 10 + 1) / 1024.
        assert!((binomial_sf(8, 10, 0.5) - 56.0 / 1024.0).abs() < 1e-12);
        assert_eq!(binomial_sf(0, 10, 0.5), 1.0);
        assert_eq!(binomial_sf(11, 10, 0.5), 0.0);
        // Large n stays finite and sensible.
        let p = binomial_sf(5_100, 10_000, 0.5);
        assert!(p > 0.02 && p < 0.03, "{p}");
    }

    #[test]
    fn rate_tests_separate_noise_from_a_rise() {
        // Same rate, different sizes: not significant.
        assert!(poisson_rate_increase(100, 1_000_000, 110, 1_000_000) > 0.1);
        // Doubled: very significant.
        assert!(poisson_rate_increase(100, 1_000_000, 200, 1_000_000) < 1e-6);
        // A new pattern with five hits is not yet evidence at 0.001 …
        assert!(poisson_rate_increase(0, 1_000, 5, 1_000) > 0.001);
        // … twelve is.
        assert!(poisson_rate_increase(0, 1_000, 12, 1_000) < 0.001);
        assert!(proportion_increase(1_000, 100_000, 1_030, 100_000) > 0.1);
        assert!(proportion_increase(1_000, 100_000, 1_300, 100_000) < 1e-6);
    }

    #[test]
    fn quantile_standard_error() {
        // Uniform(0, 1): f = 1, so se = sqrt(q(1-q)/n).
        let se = quantile_se(0.5, 0.5, 0.9, 0.9, 10_000).unwrap();
        assert!((se - 0.005).abs() < 1e-12);
        assert!(quantile_se(0.5, 1.0, 0.9, 1.0, 100).is_none());
    }
}
