//! Any bytes as messages for the template miner, one per line, with tiny caps so clusters are
//! retired, folded and the exact-match cache overflows: masking and clustering must never panic, and
//! every message must be assigned to exactly one reported template, whose count is the number
//! of messages assigned to it. The template helpers `check` uses (matching, overlap,
//! parameters) run on any text too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logtriage::mine::{
    parameters, template_matches, templates_overlap, Miner, MinerConfig, FOLDED,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut miner = Miner::new(MinerConfig {
        max_clusters: 4,
        cache_entries: 8,
        max_templates: 7,
        stable_keys: true,
        ..MinerConfig::default()
    });
    let keys: Vec<_> = text.lines().map(|l| miner.add(l, None, None)).collect();
    let (templates, index) = miner.templates();
    let mut assigned = vec![0u64; templates.len()];
    let mut folded = 0;
    for k in keys {
        let t = index.get(k);
        if t == FOLDED {
            folded += 1;
            continue;
        }
        let t = t as usize;
        assert!(t < templates.len(), "a message without a reported template");
        assigned[t] += 1;
    }
    assert_eq!(
        folded,
        miner.folded().messages,
        "folded messages miscounted"
    );
    for (t, n) in templates.iter().zip(assigned) {
        assert_eq!(t.count, n, "template {:?}", t.template);
        let _ = parameters(&t.template, &t.example);
    }
    // What `check` does with templates of two runs, on any text.
    for a in templates.iter().take(4) {
        for l in text.lines().take(4) {
            let _ = template_matches(&a.template, l);
            let _ = parameters(&a.template, l);
        }
        for b in templates.iter().take(4) {
            let _ = templates_overlap(&a.template, &b.template);
        }
    }
});
