//! Template mining: clustering messages into templates, Drain-style.
//!
//! Each message is masked first ([`mask`]: numbers, ids, addresses, hashes become `<*>`), then
//! split on whitespace and placed in a group of clusters keyed by its token count and its first
//! token. Within the group it joins the most similar cluster if the similarity reaches
//! [`MinerConfig::similarity`]; otherwise it starts a new cluster. Similarity is the share of
//! positions where the cluster's template and the message agree, where a `<*>` on either side
//! counts as agreement. Joining a cluster replaces the positions that disagree with `<*>`, so a
//! template only ever gets more general and converges; every line is reported with the *final*
//! template of its cluster. Identical masked messages skip the search through a cache.
//!
//! Clusters are capped ([`MinerConfig::max_clusters`]): past the cap, the least recently used
//! cluster is retired (its template and counts are kept for the report, it takes no new
//! messages). Template ids are derived from the template text (FNV-1a, 64-bit), so they are
//! the same in every run and on every machine.
//!
//! Mining is sequential and deterministic: the same input gives the same templates whatever
//! the thread count, because the reading and masking are parallel but clustering runs in
//! input order on one thread.

pub mod mask;
pub mod run;

use std::collections::HashMap;

use crate::record::Level;
use mask::WILDCARD;

/// Settings of the miner. The defaults are the one generic configuration used for every
/// dataset.
#[derive(Clone, Debug)]
pub struct MinerConfig {
    /// Minimum share of agreeing token positions to join a cluster.
    pub similarity: f64,
    /// Live clusters kept at most (least recently used retired first).
    pub max_clusters: usize,
    /// Masked messages remembered for the exact-match cache.
    pub cache_entries: usize,
}

impl Default for MinerConfig {
    fn default() -> MinerConfig {
        MinerConfig {
            similarity: 0.5,
            max_clusters: 50_000,
            cache_entries: 200_000,
        }
    }
}

/// One cluster's state.
#[derive(Clone, Debug)]
struct Cluster {
    tokens: Vec<Box<str>>,
    count: u64,
    levels: [u64; 6],
    first_us: Option<i64>,
    last_us: Option<i64>,
    example: Box<str>,
    last_used: u64,
    retired: bool,
}

/// A mined template, as reported.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Template {
    /// Stable id derived from the template text (`t` and 16 hex digits).
    pub id: String,
    /// The template, `<*>` for variables.
    pub template: String,
    /// Messages in the cluster.
    pub count: u64,
    /// Messages per level (`trace` … `fatal`; only levels seen).
    pub levels: std::collections::BTreeMap<String, u64>,
    /// Earliest and latest event time seen (RFC 3339), if any.
    pub first_seen: Option<String>,
    /// Latest event time seen.
    pub last_seen: Option<String>,
    /// The first message of the cluster.
    pub example: String,
}

/// The online clusterer. Feed messages with [`Miner::add`]; read results with
/// [`Miner::templates`] and [`Miner::template_of`].
#[derive(Debug)]
pub struct Miner {
    config: MinerConfig,
    clusters: Vec<Cluster>,
    /// (token count, first token or `<*>`) → clusters.
    groups: HashMap<(usize, Box<str>), Vec<u32>>,
    cache: HashMap<Box<str>, u32>,
    masked: String,
    tick: u64,
    live: usize,
}

impl Miner {
    /// A miner with `config`.
    pub fn new(config: MinerConfig) -> Miner {
        Miner {
            config,
            clusters: Vec::new(),
            groups: HashMap::new(),
            cache: HashMap::new(),
            masked: String::new(),
            tick: 0,
            live: 0,
        }
    }

    /// Adds one message; returns its cluster.
    pub fn add(&mut self, msg: &str, level: Option<Level>, time_us: Option<i64>) -> u32 {
        self.tick += 1;
        let mut masked = std::mem::take(&mut self.masked);
        mask::mask_into(msg, &mut masked);
        let id = match self.cache.get(masked.as_str()) {
            Some(&id) if !self.clusters[id as usize].retired => id,
            _ => {
                let id = self.place(&masked, msg);
                if self.cache.len() >= self.config.cache_entries {
                    self.cache.clear();
                }
                self.cache.insert(masked.as_str().into(), id);
                id
            }
        };
        self.masked = masked;
        let c = &mut self.clusters[id as usize];
        c.count += 1;
        c.last_used = self.tick;
        if let Some(l) = level {
            c.levels[l as usize] += 1;
        }
        if let Some(t) = time_us {
            c.first_us = Some(c.first_us.map_or(t, |f| f.min(t)));
            c.last_us = Some(c.last_us.map_or(t, |l| l.max(t)));
        }
        id
    }

    /// Finds or creates the cluster for a masked message.
    fn place(&mut self, masked: &str, msg: &str) -> u32 {
        let tokens: Vec<&str> = masked.split(' ').filter(|t| !t.is_empty()).collect();
        let first = tokens
            .first()
            .map(|t| if t.contains(WILDCARD) { WILDCARD } else { t })
            .unwrap_or("");
        let key = (tokens.len(), Box::<str>::from(first));
        let mut best: Option<(u32, f64, usize)> = None;
        if let Some(ids) = self.groups.get(&key) {
            for &id in ids {
                let c = &self.clusters[id as usize];
                if c.retired {
                    continue;
                }
                let (sim, exact) = similarity(&c.tokens, &tokens);
                if sim >= self.config.similarity
                    && best.is_none_or(|(_, s, e)| sim > s || (sim == s && exact > e))
                {
                    best = Some((id, sim, exact));
                }
            }
        }
        if let Some((id, _, _)) = best {
            let c = &mut self.clusters[id as usize];
            for (t, m) in c.tokens.iter_mut().zip(&tokens) {
                if &**t != *m && &**t != WILDCARD {
                    *t = WILDCARD.into();
                }
            }
            return id;
        }
        if self.live >= self.config.max_clusters {
            self.retire_lru();
        }
        let id = self.clusters.len() as u32;
        self.clusters.push(Cluster {
            tokens: tokens.iter().map(|t| Box::<str>::from(*t)).collect(),
            count: 0,
            levels: [0; 6],
            first_us: None,
            last_us: None,
            example: msg.into(),
            last_used: self.tick,
            retired: false,
        });
        self.live += 1;
        self.groups.entry(key).or_default().push(id);
        id
    }

    fn retire_lru(&mut self) {
        if let Some((i, _)) = self
            .clusters
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.retired)
            .min_by_key(|(_, c)| c.last_used)
        {
            self.clusters[i].retired = true;
            self.live -= 1;
            self.cache.retain(|_, v| *v as usize != i);
            for ids in self.groups.values_mut() {
                ids.retain(|&x| x as usize != i);
            }
        }
    }

    /// The current template text of cluster `id`.
    pub fn template_of(&self, id: u32) -> String {
        self.clusters[id as usize].tokens.join(" ")
    }

    /// Number of clusters created (live and retired).
    pub fn len(&self) -> usize {
        self.clusters.len()
    }

    /// True if no message was added.
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
    }

    /// The templates, merged by identical text, most frequent first (ties by template text),
    /// and a map from cluster to index in that list.
    pub fn templates(&self) -> (Vec<Template>, Vec<u32>) {
        let mut by_text: HashMap<String, usize> = HashMap::new();
        let mut out: Vec<Template> = Vec::new();
        let mut levels: Vec<[u64; 6]> = Vec::new();
        let mut times: Vec<(Option<i64>, Option<i64>)> = Vec::new();
        let mut index = Vec::with_capacity(self.clusters.len());
        for c in &self.clusters {
            let text = c.tokens.join(" ");
            let i = *by_text.entry(text.clone()).or_insert_with(|| {
                out.push(Template {
                    id: template_id(&text),
                    template: text,
                    count: 0,
                    levels: Default::default(),
                    first_seen: None,
                    last_seen: None,
                    example: c.example.to_string(),
                });
                levels.push([0; 6]);
                times.push((None, None));
                out.len() - 1
            });
            out[i].count += c.count;
            for (a, b) in levels[i].iter_mut().zip(c.levels) {
                *a += b;
            }
            let t = &mut times[i];
            t.0 = crate::aggregate::min_opt(t.0, c.first_us);
            t.1 = crate::aggregate::max_opt(t.1, c.last_us);
            index.push(i as u32);
        }
        for (i, t) in out.iter_mut().enumerate() {
            for (l, &n) in levels[i].iter().enumerate() {
                if n > 0 {
                    t.levels.insert(LEVELS[l].to_string(), n);
                }
            }
            t.first_seen = times[i].0.map(crate::record::time::format_rfc3339);
            t.last_seen = times[i].1.map(crate::record::time::format_rfc3339);
        }
        // Sort, and remap the cluster index.
        let mut order: Vec<usize> = (0..out.len()).collect();
        order.sort_by(|&a, &b| {
            out[b]
                .count
                .cmp(&out[a].count)
                .then_with(|| out[a].template.cmp(&out[b].template))
        });
        let mut rank = vec![0u32; out.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = r as u32;
        }
        let mut sorted: Vec<Option<Template>> = out.into_iter().map(Some).collect();
        let sorted: Vec<Template> = order
            .iter()
            .map(|&i| sorted[i].take().expect("once"))
            .collect();
        let index = index.into_iter().map(|i| rank[i as usize]).collect();
        (sorted, index)
    }
}

const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "fatal"];

/// Share of positions where `template` and `msg` agree (a `<*>` on either side agrees), and
/// the number of exact agreements (to break ties).
fn similarity(template: &[Box<str>], msg: &[&str]) -> (f64, usize) {
    if template.is_empty() {
        return (1.0, 0);
    }
    let mut agree = 0;
    let mut exact = 0;
    for (t, m) in template.iter().zip(msg) {
        if &**t == *m {
            agree += 1;
            exact += 1;
        } else if &**t == WILDCARD || *m == WILDCARD {
            agree += 1;
        }
    }
    (agree as f64 / template.len() as f64, exact)
}

/// A template's stable id: `t` and the FNV-1a 64-bit hash of its text in hex.
pub fn template_id(template: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in template.as_bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("t{h:016x}")
}

/// The values of a message at the `<*>` positions of a template (whitespace tokens aligned;
/// within a token, the text between the literal parts).
pub fn parameters(template: &str, msg: &str) -> Vec<String> {
    let t: Vec<&str> = template.split(' ').collect();
    let m: Vec<&str> = msg.split_whitespace().collect();
    let mut out = Vec::new();
    if t.len() != m.len() {
        return out;
    }
    for (tt, mm) in t.iter().zip(&m) {
        if !tt.contains(WILDCARD) {
            continue;
        }
        let parts: Vec<&str> = tt.split(WILDCARD).collect();
        let mut rest = *mm;
        if let Some(p) = parts.first() {
            rest = rest.strip_prefix(p).unwrap_or(rest);
        }
        for (k, lit) in parts.iter().enumerate().skip(1) {
            let end = if lit.is_empty() {
                if k == parts.len() - 1 {
                    rest.len()
                } else {
                    0
                }
            } else {
                rest.find(lit).unwrap_or(rest.len())
            };
            out.push(rest[..end].to_string());
            rest = &rest[(end + lit.len()).min(rest.len())..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_converge_and_ids_are_stable() {
        let mut m = Miner::new(MinerConfig::default());
        let a = m.add("user alice logged in from web", None, None);
        let b = m.add("user bob logged in from web", None, None);
        let c = m.add("disk full on /dev/sda1", None, None);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(m.template_of(a), "user <*> logged in from web");
        let (t, idx) = m.templates();
        assert_eq!(t[idx[a as usize] as usize].count, 2);
        assert_eq!(t[0].id, template_id("user <*> logged in from web"));
        assert_eq!(template_id("x"), template_id("x"));
    }

    #[test]
    fn parameters_are_extracted() {
        assert_eq!(
            parameters(
                "user <*> from <*>:<*> port=<*>",
                "user bob from 1.2.3.4:22 port=7"
            ),
            vec!["bob", "1.2.3.4", "22", "7"]
        );
    }

    #[test]
    fn cluster_cap_retires_the_least_recently_used() {
        let mut m = Miner::new(MinerConfig {
            max_clusters: 2,
            ..Default::default()
        });
        m.add("alpha one", None, None);
        m.add("beta two three", None, None);
        m.add("alpha one", None, None);
        m.add("gamma four five six", None, None); // retires "beta"
        assert_eq!(m.live, 2);
        let (t, _) = m.templates();
        assert_eq!(t.len(), 3, "retired clusters are still reported");
    }
}
