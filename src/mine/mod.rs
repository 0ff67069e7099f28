//! Template mining: clustering messages into templates, Drain-style.
//!
//! Each message is masked first ([`mask`]: numbers, ids, addresses, hashes become `<*>`), then
//! split on whitespace and placed in a group of clusters keyed by its token count and its first
//! token. Within the group it joins the most similar cluster if the similarity is above
//! [`MinerConfig::similarity`] (more than half the positions, by default); otherwise it starts
//! a new cluster. Similarity is the share of positions where the cluster's template and the
//! message agree, where a `<*>` on either side, or a template token such as `rhost=<*>` that
//! covers the message's token, counts as agreement. Joining a cluster generalises the positions
//! that disagree (keeping common punctuation: `rhost=<*>`, `(<*>)`), so a template only ever
//! gets more general and converges; every line is reported with the *final* template of its
//! cluster. Identical masked messages (*variants*) skip the search through a hash table.
//!
//! An access log's request and status (`"GET /api/users/<*> HTTP/1.1" 503 …`, see [`mask`]) take
//! the first token's place in the key: each endpoint, method and status is its own template,
//! however alike the requests are.
//!
//! Before the report, a cluster is split on slots that hold only a few distinct plain words
//! (see [`Miner::templates`]): Drain merges `cupsd startup succeeded` and `cupsd shutdown
//! succeeded` online, but a slot with two or three word values is a constant, not a variable.
//!
//! Clusters are capped ([`MinerConfig::max_clusters`]): past the cap, the least recently used
//! cluster is retired (its template and counts are kept for the report, it takes no new
//! messages). Retired clusters are capped too ([`MinerConfig::max_templates`]): past it, the
//! rarest are *folded*, their messages counted together (see [`Miner::folded`]) and their
//! memory freed, so that input with no repeated shape cannot grow the miner without bound.
//! Template ids are derived from the template text (FNV-1a, 64-bit), so they are the same in
//! every run and on every machine.
//!
//! Mining is sequential and deterministic: the same input gives the same templates whatever
//! the thread count, because the reading and masking are parallel but clustering runs in
//! input order on one thread.

pub mod mask;
pub mod run;

use std::collections::HashMap;
use std::hash::BuildHasher;

use crate::record::Level;
use mask::WILDCARD;

/// Settings of the miner. The defaults are the one generic configuration used for every
/// dataset.
#[derive(Clone, Debug)]
pub struct MinerConfig {
    /// A message joins a cluster when more than this share of token positions agree.
    pub similarity: f64,
    /// Live clusters kept at most (least recently used retired first).
    pub max_clusters: usize,
    /// Masked messages remembered for the exact-match cache.
    pub cache_entries: usize,
    /// Clusters kept for the report, live and retired: past it, the retired clusters with the
    /// fewest messages are folded (a tenth of the retired at a time). The live clusters are
    /// always kept, so at most `max(max_templates, max_clusters)` are.
    pub max_templates: usize,
    /// Keep every [`LineKey`] valid to the end (for per-line assignments): a folded cluster's
    /// slots are then not reused (about 100 bytes each, and its variants' until the variant
    /// cap).
    pub stable_keys: bool,
}

impl Default for MinerConfig {
    fn default() -> MinerConfig {
        MinerConfig {
            similarity: 0.5,
            max_clusters: 50_000,
            cache_entries: 200_000,
            max_templates: 100_000,
            stable_keys: false,
        }
    }
}

/// Longest masked message mined, in bytes: a longer one is mined on its tokens within this
/// and a last token `…`, and its example is cut to as many bytes. A cluster holds its
/// template's tokens one by one, so this bounds its memory (a 60 KB message took 450 KB).
pub const MAX_MINED_BYTES: usize = 1024;

/// Marks a template cut at [`MAX_MINED_BYTES`].
pub const CUT_MARK: &str = "…";

/// `masked` within [`MAX_MINED_BYTES`]: cut after its last whole token that fits, then
/// [`CUT_MARK`] (a single token that long is cut on a character boundary). Cutting a cut
/// message again changes nothing.
fn cut_masked(masked: &str) -> std::borrow::Cow<'_, str> {
    if masked.len() <= MAX_MINED_BYTES {
        return masked.into();
    }
    let head = crate::aggregate::cut_str(masked, MAX_MINED_BYTES - CUT_MARK.len() - 1);
    let head = match (masked.as_bytes()[head.len()] == b' ', head.rfind(' ')) {
        (true, _) | (false, None) => head,
        (false, Some(space)) => &head[..space],
    };
    format!("{} {CUT_MARK}", head.trim_end()).into()
}

/// One distinct masked message (a *variant*) and what was seen of it.
#[derive(Clone, Debug)]
struct Variant {
    /// The masked message, tokens separated by one space.
    masked: Box<str>,
    cluster: u32,
    stats: Stats,
}

#[derive(Clone, Debug, Default)]
struct Stats {
    count: u64,
    levels: [u64; 6],
    first_us: Option<i64>,
    last_us: Option<i64>,
    example: Option<Box<str>>,
}

impl Variant {
    fn tokens(&self) -> impl Iterator<Item = &str> {
        self.masked.split(' ').filter(|t| !t.is_empty())
    }

    fn token(&self, pos: usize) -> &str {
        self.tokens().nth(pos).unwrap_or("")
    }
}

impl Stats {
    fn add_n(&mut self, n: u64, levels: [u64; 6], time_us: Option<i64>, msg: &str) {
        // Saturating: `analyze` adds estimates and counts read back from merge states.
        self.count = self.count.saturating_add(n);
        for (a, b) in self.levels.iter_mut().zip(levels) {
            *a = a.saturating_add(b);
        }
        if let Some(t) = time_us {
            self.first_us = Some(self.first_us.map_or(t, |f| f.min(t)));
            self.last_us = Some(self.last_us.map_or(t, |l| l.max(t)));
        }
        if self.example.is_none() {
            self.example = Some(msg.into());
        }
    }

    fn merge(&mut self, o: &Stats) {
        self.count = self.count.saturating_add(o.count);
        for (a, b) in self.levels.iter_mut().zip(o.levels) {
            *a = a.saturating_add(b);
        }
        self.first_us = crate::aggregate::min_opt(self.first_us, o.first_us);
        self.last_us = crate::aggregate::max_opt(self.last_us, o.last_us);
        if self.example.is_none() {
            self.example.clone_from(&o.example);
        }
    }
}

/// One cluster's state.
#[derive(Clone, Debug)]
struct Cluster {
    tokens: Vec<Box<str>>,
    /// Its variants (distinct masked messages).
    variants: Vec<u32>,
    /// Messages whose variant could not be remembered (past the variant cap); boxed, as most
    /// clusters have none.
    overflow: Option<Box<Stats>>,
    /// When it was made (the miner's tick): the report visits clusters in this order, which
    /// slot reuse does not keep.
    born: u64,
    last_used: u64,
    retired: bool,
    /// Retired, then folded: its messages are in [`Miner::folded`], its memory freed.
    folded: bool,
}

/// The messages of the clusters folded past [`MinerConfig::max_templates`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Folded {
    /// Clusters folded (rare templates, some of them possibly alike).
    pub clusters: u64,
    /// Their messages.
    pub messages: u64,
}

/// The cluster of a variant freed by folding.
const DEAD: u32 = u32::MAX;

/// What [`TemplateIndex::get`] gives for a message of a folded cluster.
pub const FOLDED: u32 = u32::MAX - 1;

/// What [`Miner::add`] returns for a message: its variant, or its cluster when the variant
/// table is full. Resolve it to a template with the map from [`Miner::templates`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineKey(u32);

const CLUSTER_KEY: u32 = 1 << 31;

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
    /// Earliest event time seen (RFC 3339), if any.
    pub first_seen: Option<String>,
    /// Latest event time seen.
    pub last_seen: Option<String>,
    /// The first message of the cluster.
    pub example: String,
}

/// Maps the [`LineKey`]s of a run to indexes in the template list.
#[derive(Clone, Debug, Default)]
pub struct TemplateIndex {
    by_variant: Vec<u32>,
    by_cluster: Vec<u32>,
}

impl TemplateIndex {
    /// The index in the template list of the message that got `key`, or [`FOLDED`] when its
    /// cluster was folded.
    pub fn get(&self, key: LineKey) -> u32 {
        if key.0 & CLUSTER_KEY != 0 {
            self.by_cluster[(key.0 & !CLUSTER_KEY) as usize]
        } else {
            self.by_variant[key.0 as usize]
        }
    }
}

/// The online clusterer. Feed messages with [`Miner::add`]; read results with
/// [`Miner::templates`].
#[derive(Debug)]
pub struct Miner {
    config: MinerConfig,
    clusters: Vec<Cluster>,
    /// (token count, first token or `<*>`) → clusters.
    groups: HashMap<(usize, Box<str>), Vec<u32>>,
    /// Masked message → variant (hashed by the text, which lives in the variant).
    variant_of: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::FixedState,
    variants: Vec<Variant>,
    masked: String,
    tick: u64,
    live: usize,
    retired: usize,
    folded: Folded,
    /// Slots of folded clusters and variants, reused unless keys are stable.
    free_clusters: Vec<u32>,
    free_variants: Vec<u32>,
}

impl Miner {
    /// A miner with `config`.
    pub fn new(config: MinerConfig) -> Miner {
        Miner {
            config,
            clusters: Vec::new(),
            groups: HashMap::new(),
            variant_of: hashbrown::HashTable::new(),
            hasher: foldhash::fast::FixedState::with_seed(0x6d69_6e65),
            variants: Vec::new(),
            masked: String::new(),
            tick: 0,
            live: 0,
            retired: 0,
            folded: Folded::default(),
            free_clusters: Vec::new(),
            free_variants: Vec::new(),
        }
    }

    /// Adds one message; returns the key to look its template up with at the end.
    pub fn add(&mut self, msg: &str, level: Option<Level>, time_us: Option<i64>) -> LineKey {
        let mut levels = [0u64; 6];
        if let Some(l) = level {
            levels[l as usize] = 1;
        }
        self.add_n(msg, 1, levels, time_us)
    }

    /// Adds a message seen `n` times with these level counts (a message counter's entry).
    pub fn add_n(&mut self, msg: &str, n: u64, levels: [u64; 6], time_us: Option<i64>) -> LineKey {
        let mut masked = std::mem::take(&mut self.masked);
        mask::mask_into(msg, &mut masked);
        let key = self.add_n_masked(&masked, msg, n, levels, time_us);
        self.masked = masked;
        key
    }

    /// [`Miner::add_n`] for a message already masked with [`mask::mask_into`] (callers
    /// with many messages mask them in parallel; the miner itself is sequential).
    pub fn add_n_masked(
        &mut self,
        masked: &str,
        msg: &str,
        n: u64,
        levels: [u64; 6],
        time_us: Option<i64>,
    ) -> LineKey {
        let masked = &*cut_masked(masked);
        let msg = crate::aggregate::cut_str(msg, MAX_MINED_BYTES);
        self.tick += 1;
        let hash = self.hasher.hash_one(masked);
        let variants = &self.variants;
        let found = self
            .variant_of
            .find(hash, |&v| &*variants[v as usize].masked == masked)
            .copied();
        match found {
            Some(v) if !self.clusters[self.variants[v as usize].cluster as usize].retired => {
                let var = &mut self.variants[v as usize];
                var.stats.add_n(n, levels, time_us, msg);
                self.clusters[var.cluster as usize].last_used = self.tick;
                LineKey(v)
            }
            _ => {
                if found.is_some() {
                    // Its cluster was retired (and keeps its counts for the report): the message
                    // starts over as a new variant, which later lookups must find.
                    if let Ok(e) = self
                        .variant_of
                        .find_entry(hash, |&v| &*variants[v as usize].masked == masked)
                    {
                        e.remove();
                    }
                }
                let tokens: Vec<&str> = masked.split(' ').filter(|t| !t.is_empty()).collect();
                let cluster = self.place(&tokens);
                self.clusters[cluster as usize].last_used = self.tick;
                let len = self.variants.len();
                let slot = self
                    .free_variants
                    .pop()
                    .or_else(|| (len < self.config.cache_entries).then_some(len as u32));
                if let Some(v) = slot {
                    let mut stats = Stats::default();
                    stats.add_n(n, levels, time_us, msg);
                    let variant = Variant {
                        masked: masked.into(),
                        cluster,
                        stats,
                    };
                    match self.variants.get_mut(v as usize) {
                        Some(old) => *old = variant,
                        None => self.variants.push(variant),
                    }
                    let hasher = &self.hasher;
                    let variants = &self.variants;
                    self.variant_of.insert_unique(hash, v, |&x| {
                        hasher.hash_one(&*variants[x as usize].masked)
                    });
                    self.clusters[cluster as usize].variants.push(v);
                    LineKey(v)
                } else {
                    self.clusters[cluster as usize]
                        .overflow
                        .get_or_insert_default()
                        .add_n(n, levels, time_us, msg);
                    LineKey(cluster | CLUSTER_KEY)
                }
            }
        }
    }

    /// Adds another miner's messages (a shard mined separately). Its distinct masked messages
    /// are placed as if they had been added here, with their counts; so the result equals one
    /// pass over both inputs except where the order of first sight changes which template a
    /// borderline message joins.
    pub fn merge(&mut self, other: &Miner) {
        for v in other.variants.iter().filter(|v| v.cluster != DEAD) {
            let masked = &*v.masked;
            let s = &v.stats;
            let example = s.example.as_deref().unwrap_or("");
            let key = self.add_n_masked(masked, example, s.count, s.levels, s.first_us);
            if let (Some(last), true) = (s.last_us, key.0 & CLUSTER_KEY == 0) {
                let st = &mut self.variants[key.0 as usize].stats;
                st.last_us = crate::aggregate::max_opt(st.last_us, Some(last));
            }
        }
        for c in other.clusters.iter() {
            let Some(overflow) = &c.overflow else {
                continue;
            };
            let masked = c.tokens.join(" ");
            let tokens: Vec<&str> = masked.split(' ').filter(|t| !t.is_empty()).collect();
            let id = self.place(&tokens);
            self.clusters[id as usize]
                .overflow
                .get_or_insert_default()
                .merge(overflow);
        }
        self.folded.clusters += other.folded.clusters;
        self.folded.messages = self.folded.messages.saturating_add(other.folded.messages);
    }

    /// Finds or creates the cluster for a masked message.
    fn place(&mut self, tokens: &[&str]) -> u32 {
        // An access log's request and status are the group (see [`mask::request_tokens`]).
        let key: Box<str> = match mask::request_tokens(tokens) {
            Some(n) => tokens[..n].join(" ").into(),
            None => tokens
                .first()
                .map(|t| if t.contains(WILDCARD) { WILDCARD } else { t })
                .unwrap_or("")
                .into(),
        };
        let key = (tokens.len(), key);
        let mut best: Option<(u32, f64, usize)> = None;
        if let Some(ids) = self.groups.get(&key) {
            for &id in ids {
                let c = &self.clusters[id as usize];
                if c.retired {
                    continue;
                }
                let (sim, exact) = similarity(&c.tokens, tokens);
                if sim > self.config.similarity
                    && best.is_none_or(|(_, s, e)| sim > s || (sim == s && exact > e))
                {
                    best = Some((id, sim, exact));
                }
            }
        }
        if let Some((id, _, _)) = best {
            let c = &mut self.clusters[id as usize];
            for (t, m) in c.tokens.iter_mut().zip(tokens) {
                if &**t != *m {
                    if let Some(g) = generalize(t, m) {
                        *t = g.into();
                    }
                }
            }
            return id;
        }
        if self.live >= self.config.max_clusters {
            self.retire_lru();
        }
        let cluster = Cluster {
            tokens: tokens.iter().map(|t| Box::<str>::from(*t)).collect(),
            variants: Vec::new(),
            overflow: None,
            born: self.tick,
            last_used: self.tick,
            retired: false,
            folded: false,
        };
        let id = match self.free_clusters.pop() {
            Some(id) => {
                self.clusters[id as usize] = cluster;
                id
            }
            None => {
                self.clusters.push(cluster);
                (self.clusters.len() - 1) as u32
            }
        };
        self.live += 1;
        self.groups.entry(key).or_default().push(id);
        id
    }

    /// Retires the least recently used tenth of the live clusters (at least one) in one pass
    /// over the clusters and groups: retiring one per new cluster cost a pass per message once
    /// the cap was reached, quadratic on input with many distinct templates.
    fn retire_lru(&mut self) {
        let mut live: Vec<(u64, u32)> = self
            .clusters
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.retired)
            .map(|(i, c)| (c.last_used, i as u32))
            .collect();
        let batch = (self.config.max_clusters / 10).clamp(1, live.len().max(1));
        if live.is_empty() {
            return;
        }
        if batch < live.len() {
            live.select_nth_unstable(batch - 1);
        }
        for &(_, i) in &live[..batch] {
            self.clusters[i as usize].retired = true;
        }
        self.live -= batch;
        self.retired += batch;
        let clusters = &self.clusters;
        self.groups.retain(|_, ids| {
            ids.retain(|&x| !clusters[x as usize].retired);
            !ids.is_empty()
        });
        let cap = self
            .config
            .max_templates
            .saturating_sub(self.config.max_clusters);
        if self.retired > cap {
            self.fold_rare(cap - cap / 10);
        }
    }

    /// Folds the retired clusters with the fewest messages (the least recently used first
    /// among equals) until `keep` are left: their messages are added to [`Miner::folded`] and
    /// their templates, variants and examples freed.
    fn fold_rare(&mut self, keep: usize) {
        let mut retired: Vec<(u64, u64, u32)> = self
            .clusters
            .iter()
            .enumerate()
            .filter(|(_, c)| c.retired && !c.folded)
            .map(|(i, c)| {
                let overflow = c.overflow.as_ref().map_or(0, |o| o.count);
                let n = c.variants.iter().fold(overflow, |n, &v| {
                    n.saturating_add(self.variants[v as usize].stats.count)
                });
                (n, c.last_used, i as u32)
            })
            .collect();
        let fold = retired.len().saturating_sub(keep);
        if fold == 0 {
            return;
        }
        if fold < retired.len() {
            retired.select_nth_unstable(fold - 1);
        }
        for &(n, _, ci) in &retired[..fold] {
            let c = &mut self.clusters[ci as usize];
            for v in std::mem::take(&mut c.variants) {
                let hash = self.hasher.hash_one(&*self.variants[v as usize].masked);
                if let Ok(e) = self.variant_of.find_entry(hash, |&x| x == v) {
                    e.remove();
                }
                let var = &mut self.variants[v as usize];
                var.masked = Box::default();
                var.stats = Stats::default();
                var.cluster = DEAD;
                if !self.config.stable_keys {
                    self.free_variants.push(v);
                }
            }
            // Retired already; its variants were taken above.
            c.tokens = Vec::new();
            c.overflow = None;
            c.folded = true;
            if !self.config.stable_keys {
                self.free_clusters.push(ci);
            }
            self.folded.clusters += 1;
            self.folded.messages = self.folded.messages.saturating_add(n);
        }
        self.retired -= fold;
    }

    /// The clusters folded past [`MinerConfig::max_templates`] and their messages: not in
    /// [`Miner::templates`], which reports the rest.
    pub fn folded(&self) -> Folded {
        self.folded
    }

    /// Cluster slots (live, retired and, unless keys are stable, folded ones awaiting reuse).
    pub fn len(&self) -> usize {
        self.clusters.len()
    }

    /// True if no message was added.
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
    }

    /// The final templates, most frequent first (ties by template text), and the index that
    /// maps each [`LineKey`] to one of them.
    ///
    /// Before reporting, a cluster is split on positions whose values are a few distinct
    /// plain words (`startup` / `shutdown`, `NEW` / `RUNNING`): such a slot is a constant that
    /// the online merge generalised too early, while real variables (user names, ids) take
    /// many values. Clusters that end with the same text are then one template.
    pub fn templates(&self) -> (Vec<Template>, TemplateIndex) {
        // Final groups: (template text, stats). Text, not token lists: with a large template
        // list, every copy held at once counts.
        let mut finals: Vec<(String, Stats)> = Vec::new();
        const OTHER: u32 = u32::MAX;
        let mut variant_final = vec![OTHER; self.variants.len()];
        let mut cluster_final = vec![OTHER; self.clusters.len()];
        // In the order the clusters were made (slots are reused): the first cluster of a
        // template text gives its example.
        let mut by_birth: Vec<u32> = (0..self.clusters.len() as u32)
            .filter(|&i| !self.clusters[i as usize].folded)
            .collect();
        by_birth.sort_unstable_by_key(|&i| self.clusters[i as usize].born);
        for ci in by_birth {
            let (ci, c) = (ci as usize, &self.clusters[ci as usize]);
            let groups = split_constants(&c.tokens, &c.variants, &self.variants);
            let mut rest_final = None;
            for g in groups {
                let mut stats = Stats::default();
                for &v in &g {
                    stats.merge(&self.variants[v as usize].stats);
                }
                let text = if g.len() == c.variants.len() {
                    rest_final = Some(finals.len() as u32);
                    c.tokens.join(" ")
                } else {
                    template_of_variants(&g, &self.variants).join(" ")
                };
                for &v in &g {
                    variant_final[v as usize] = finals.len() as u32;
                }
                finals.push((text, stats));
            }
            // Overflow messages stay with the cluster's own template.
            let f = match rest_final {
                Some(f) => f,
                None => {
                    finals.push((c.tokens.join(" "), Stats::default()));
                    (finals.len() - 1) as u32
                }
            };
            if let Some(o) = &c.overflow {
                finals[f as usize].1.merge(o);
            }
            cluster_final[ci] = f;
        }
        // Merge finals with the same text (the table holds indexes into `out`, which holds
        // the text).
        let mut by_text: hashbrown::HashTable<usize> = hashbrown::HashTable::new();
        let mut out: Vec<(String, Stats)> = Vec::new();
        let mut final_out = vec![0u32; finals.len()];
        let hash = |t: &str| self.hasher.hash_one(t);
        for (fi, (text, stats)) in finals.into_iter().enumerate() {
            if stats.count == 0 && text.is_empty() {
                continue;
            }
            let h = hash(&text);
            let i = match by_text.find(h, |&i| out[i].0 == text) {
                Some(&i) => {
                    out[i].1.merge(&stats);
                    i
                }
                None => {
                    out.push((text, stats));
                    by_text.insert_unique(h, out.len() - 1, |&i| hash(&out[i].0));
                    out.len() - 1
                }
            };
            final_out[fi] = i as u32;
        }
        drop(by_text);
        let mut order: Vec<usize> = (0..out.len()).collect();
        order.sort_by(|&a, &b| {
            out[b]
                .1
                .count
                .cmp(&out[a].1.count)
                .then_with(|| out[a].0.cmp(&out[b].0))
        });
        let mut rank = vec![0u32; out.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = r as u32;
        }
        let templates = order
            .iter()
            .filter_map(|&i| {
                let (text, s) = std::mem::take(&mut out[i]);
                (s.count > 0).then_some((text, s))
            })
            .map(|(text, s)| Template {
                id: template_id(&text),
                template: text,
                count: s.count,
                levels: s
                    .levels
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(l, n)| (LEVELS[l].to_string(), *n))
                    .collect(),
                first_seen: s.first_us.map(crate::record::time::format_rfc3339),
                last_seen: s.last_us.map(crate::record::time::format_rfc3339),
                example: s.example.map(String::from).unwrap_or_default(),
            })
            .collect();
        let map = |f: u32| match f {
            OTHER => FOLDED,
            f => rank[final_out[f as usize] as usize],
        };
        let index = TemplateIndex {
            by_variant: variant_final.into_iter().map(map).collect(),
            by_cluster: cluster_final.into_iter().map(map).collect(),
        };
        (templates, index)
    }
}

/// Most distinct plain words a slot may take and still be read as a constant.
const MAX_CONSTANT_VALUES: usize = 3;

/// Splits a cluster's variants on the `<*>` slots whose values are a few distinct plain words.
fn split_constants(tokens: &[Box<str>], members: &[u32], variants: &[Variant]) -> Vec<Vec<u32>> {
    if members.len() < 2 {
        return vec![members.to_vec()];
    }
    let mut slots = Vec::new();
    for (pos, t) in tokens.iter().enumerate() {
        if &**t != WILDCARD {
            continue;
        }
        let mut values: Vec<&str> = Vec::new();
        let mut constant = true;
        for &v in members {
            let val = variants[v as usize].token(pos);
            if !is_plain_word(val) {
                constant = false;
                break;
            }
            if !values.contains(&val) {
                values.push(val);
                if values.len() > MAX_CONSTANT_VALUES {
                    constant = false;
                    break;
                }
            }
        }
        if constant && values.len() > 1 {
            slots.push(pos);
        }
    }
    if slots.is_empty() {
        return vec![members.to_vec()];
    }
    let mut groups: Vec<(Vec<&str>, Vec<u32>)> = Vec::new();
    for &v in members {
        let key: Vec<&str> = slots
            .iter()
            .map(|&p| variants[v as usize].token(p))
            .collect();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(v),
            None => groups.push((key, vec![v])),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// Letters only (a word such as `startup`, `NEW`, `password`), at least two of them.
fn is_plain_word(s: &str) -> bool {
    s.len() >= 2 && s.bytes().all(|c| c.is_ascii_alphabetic())
}

/// The template of a set of variants: positions where all agree are kept, the others
/// generalised.
fn template_of_variants(members: &[u32], variants: &[Variant]) -> Vec<Box<str>> {
    let mut tokens: Vec<Box<str>> = variants[members[0] as usize]
        .tokens()
        .map(Box::from)
        .collect();
    for &v in &members[1..] {
        for (t, m) in tokens.iter_mut().zip(variants[v as usize].tokens()) {
            if &**t != m {
                if let Some(g) = generalize(t, m) {
                    *t = g.into();
                }
            }
        }
    }
    tokens
}

/// The most specific token covering both `t` (a template token) and `m`, or `None` if `t`
/// already covers `m`. Common punctuation around the differing part is kept: `rhost=<*>`,
/// `(<*>)`, `'<*>'`, `[<*>]`; words are never cut in the middle.
fn generalize(t: &str, m: &str) -> Option<String> {
    if t == WILDCARD || glob_match(t, m) {
        return None;
    }
    if m == WILDCARD {
        return Some(WILDCARD.to_string());
    }
    let (tb, mb) = (t.as_bytes(), m.as_bytes());
    let mut p = tb.iter().zip(mb).take_while(|(a, b)| a == b).count();
    let max_s = tb.len().min(mb.len()) - p;
    let mut s = tb
        .iter()
        .rev()
        .zip(mb.iter().rev())
        .take(max_s)
        .take_while(|(a, b)| a == b)
        .count();
    // Cut back to punctuation boundaries (never inside a word, a `<*>` or a multi-byte
    // character: non-ASCII bytes count as word bytes).
    let wordy = |c: u8| c.is_ascii_alphanumeric() || c >= 0x80;
    while p > 0 && (wordy(tb[p - 1]) || tb[p - 1] == b'<' || tb[p - 1] == b'*') {
        p -= 1;
    }
    while s > 0 && {
        let c = tb[tb.len() - s];
        wordy(c) || c == b'>' || c == b'*'
    } {
        s -= 1;
    }
    let mut out = format!("{}{WILDCARD}{}", &t[..p], &t[t.len() - s..]);
    while out.contains("<*><*>") {
        out = out.replace("<*><*>", WILDCARD);
    }
    Some(out)
}

/// Could templates `a` and `b` describe the same messages? Same number of tokens, and at
/// each position the tokens are equal or one matches the other with `<*>` as a wildcard (the
/// same template mined from two runs can keep a constant in one and generalise it in the
/// other).
pub fn templates_overlap(a: &str, b: &str) -> bool {
    let (mut x, mut y) = (a.split_whitespace(), b.split_whitespace());
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(s), Some(t)) => {
                if !(s == t || glob_match(s, t) || glob_match(t, s)) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Does message `m` fit template `t` as a whole, `<*>` standing for any text (spaces too)?
pub fn template_matches(t: &str, m: &str) -> bool {
    glob_match(t, m)
}

/// Does `m` match template token `t` (`<*>` = any text, possibly empty)?
fn glob_match(t: &str, m: &str) -> bool {
    if !t.contains(WILDCARD) {
        return t == m;
    }
    let parts: Vec<&str> = t.split(WILDCARD).collect();
    let mut rest = m;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(k) => rest = &rest[k + part.len()..],
                None => return false,
            }
        }
    }
    true
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
        } else if *m == WILDCARD || glob_match(t, m) {
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
    use super::templates_overlap;

    #[test]
    fn overlapping_templates() {
        assert!(templates_overlap(
            "cert for <*> expires in <*> days",
            "cert for <*> expires in 7 days"
        ));
        assert!(templates_overlap("user id=<*> ok", "user id=42 ok"));
        assert!(!templates_overlap(
            "cert for <*> expires",
            "cert for <*> expires in <*> days"
        ));
        assert!(!templates_overlap("disk full on <*>", "disk fine on <*>"));
        assert!(super::template_matches(
            "key \"<*>\": \"<*>\", default",
            "key \"a\": \"30 s\", default"
        ));
        assert!(!super::template_matches(
            "key <*> default",
            "key a fallback"
        ));
    }

    use super::*;

    #[test]
    fn each_request_and_status_of_an_access_log_is_a_template() {
        let mut m = Miner::new(MinerConfig::default());
        for (path, status) in [
            ("/health", 200),
            ("/api/login", 200),
            ("/api/users/42", 503),
            ("/api/users/7", 503),
            ("/api/users/7", 200),
            ("/health", 200),
        ] {
            m.add(&format!("\"GET {path} HTTP/1.1\" {status}"), None, None);
        }
        m.add("\"GET /health HTTP/1.1\" 200 took 12ms", None, None);
        m.add("\"GET /health HTTP/1.1\" 200 took 30ms", None, None);
        let mut got: Vec<(String, u64)> = m
            .templates()
            .0
            .into_iter()
            .map(|t| (t.template, t.count))
            .collect();
        got.sort();
        let want = [
            ("\"GET /api/login HTTP/1.1\" 200", 1),
            ("\"GET /api/users/<*> HTTP/1.1\" 200", 1),
            ("\"GET /api/users/<*> HTTP/1.1\" 503", 2),
            ("\"GET /health HTTP/1.1\" 200", 2),
            ("\"GET /health HTTP/1.1\" 200 took <*>", 2),
        ];
        let want: Vec<(String, u64)> = want.iter().map(|&(t, n)| (t.to_string(), n)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn clusters_converge_and_ids_are_stable() {
        let mut m = Miner::new(MinerConfig::default());
        let mut keys = Vec::new();
        for u in ["alice", "bob", "carol", "dave", "erin", "frank"] {
            keys.push(m.add(&format!("user {u} logged in from web"), None, None));
        }
        let c = m.add("disk full on /dev/sda1", None, None);
        let (t, idx) = m.templates();
        let a = idx.get(keys[0]);
        assert!(keys.iter().all(|k| idx.get(*k) == a));
        assert_ne!(a, idx.get(c));
        assert_eq!(t[a as usize].template, "user <*> logged in from web");
        assert_eq!(t[a as usize].count, 6);
        assert_eq!(t[0].id, template_id("user <*> logged in from web"));
        assert_eq!(template_id("x"), template_id("x"));
    }

    #[test]
    fn few_plain_words_in_a_slot_are_constants() {
        let mut m = Miner::new(MinerConfig::default());
        let a = m.add("cupsd startup succeeded", None, None);
        let b = m.add("cupsd shutdown succeeded", None, None);
        let (t, idx) = m.templates();
        assert_ne!(idx.get(a), idx.get(b));
        assert_eq!(t[idx.get(a) as usize].template, "cupsd startup succeeded");
    }

    #[test]
    fn generalising_keeps_punctuation() {
        assert_eq!(
            generalize("rhost=<*>", "rhost=host.example").as_deref(),
            None
        );
        assert_eq!(
            generalize("rhost=a.b", "rhost=c.d").as_deref(),
            Some("rhost=<*>")
        );
        assert_eq!(generalize("(<*>)", "(host)").as_deref(), None);
        assert_eq!(
            generalize("'/dev/a'", "'/dev/b'").as_deref(),
            Some("'/dev/<*>'")
        );
        assert_eq!(generalize("startup", "shutdown").as_deref(), Some("<*>"));
        // Never inside a multi-byte character: é and è share their first byte (found by
        // fuzzing; it panicked).
        assert_eq!(generalize("José", "Josè").as_deref(), Some("<*>"));
        assert_eq!(
            generalize("user=José;", "user=Josè;").as_deref(),
            Some("user=<*>;")
        );
        assert_eq!(generalize("éa", "èa").as_deref(), Some("<*>"));
        assert!(glob_match("a<*>b<*>", "axxbyy"));
        assert!(!glob_match("a<*>b", "axxc"));
    }

    #[test]
    fn merged_shards_give_the_templates_of_one_pass() {
        let msgs: Vec<String> = (0..400)
            .map(|i| match i % 4 {
                0 => format!("user u{} logged in from 10.0.0.{}", i % 37, i % 200),
                1 => format!("disk /dev/sd{} at {}% capacity", i % 3, i % 100),
                2 => format!("job_{}_{} failed after {} attempts", i, i * 7, i % 5),
                _ => "cache warmed".to_string(),
            })
            .collect();
        let mut one = Miner::new(MinerConfig::default());
        let (mut a, mut b) = (
            Miner::new(MinerConfig::default()),
            Miner::new(MinerConfig::default()),
        );
        for (i, m) in msgs.iter().enumerate() {
            one.add(m, None, None);
            if i % 2 == 0 { &mut a } else { &mut b }.add(m, None, None);
        }
        a.merge(&b);
        let strip = |t: Vec<Template>| -> Vec<(String, u64)> {
            t.into_iter().map(|t| (t.template, t.count)).collect()
        };
        assert_eq!(strip(a.templates().0), strip(one.templates().0));
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

    /// A message past [`MAX_MINED_BYTES`] is mined on its whole tokens within it and a cut
    /// mark; its example is cut too, and cutting again changes nothing.
    #[test]
    fn long_messages_are_mined_on_their_start() {
        let body = |tail: &str| format!("{}{tail}", "alpha beta gamma é ".repeat(200));
        let mut m = Miner::new(MinerConfig::default());
        m.add(&body("first ending"), None, None);
        m.add(&body("second ending"), None, None);
        m.add("short message here", None, None);
        let (t, _) = m.templates();
        assert_eq!(t.len(), 2);
        let long = t
            .iter()
            .find(|t| t.count == 2)
            .expect("both long ones together");
        assert!(
            long.template.len() <= MAX_MINED_BYTES,
            "{}",
            long.template.len()
        );
        assert!(long.template.ends_with(" gamma é …") || long.template.ends_with(" …"));
        assert!(!long.template.contains("ending"));
        assert!(long.template.starts_with("alpha beta gamma é alpha"));
        assert!(long.example.len() <= MAX_MINED_BYTES);
        assert!(body("").starts_with(&long.example));
        let cut = cut_masked(&long.template);
        assert_eq!(cut, long.template, "a cut template is within the limit");
        // One token longer than the limit is cut on a character boundary.
        let one = "é".repeat(MAX_MINED_BYTES);
        let c = cut_masked(&one);
        assert!(
            c.len() <= MAX_MINED_BYTES && c.ends_with(" …"),
            "{}",
            c.len()
        );
        assert_eq!(cut_masked(&c), c);
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
        assert_eq!(m.len(), 3);
        let (t, _) = m.templates();
        assert_eq!(t.len(), 3, "retired clusters are still reported");
    }

    /// Distinct one-word-apart messages, each its own cluster (no digits: nothing is masked).
    fn words(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                let w: String = format!("w{i}")
                    .bytes()
                    .map(|b| {
                        if b.is_ascii_digit() {
                            char::from(b'g' + (b - b'0'))
                        } else {
                            char::from(b)
                        }
                    })
                    .collect();
                format!("{w} beta gamma")
            })
            .collect()
    }

    #[test]
    fn the_cap_retires_a_tenth_at_a_time() {
        let mut m = Miner::new(MinerConfig {
            max_clusters: 100,
            ..Default::default()
        });
        for w in words(101) {
            m.add(&w, None, None);
        }
        assert_eq!(m.len(), 101);
        assert_eq!(m.live, 91, "10 retired to make room for the 101st");
        let (t, _) = m.templates();
        assert_eq!(t.len(), 101);
    }

    #[test]
    fn a_message_whose_cluster_retired_starts_over_once() {
        let mut m = Miner::new(MinerConfig {
            max_clusters: 10,
            ..Default::default()
        });
        let w = words(20);
        for x in &w {
            m.add(x, None, None);
        }
        for _ in 0..3 {
            m.add(&w[0], None, None);
        }
        // One new variant (and cluster) for the first message, found again after.
        assert_eq!(m.variants.len(), 21);
        assert_eq!(m.len(), 21);
        let (t, _) = m.templates();
        let first = t.iter().find(|t| t.template == w[0]).unwrap();
        assert_eq!(
            first.count, 4,
            "the retired cluster's count and the new one's"
        );
    }

    #[test]
    fn past_the_template_cap_the_rarest_retired_are_folded_and_their_slots_reused() {
        let mut m = Miner::new(MinerConfig {
            max_clusters: 10,
            max_templates: 30,
            ..Default::default()
        });
        let w = words(1000);
        // The first message is frequent, then retired: kept while rarer ones are folded.
        for _ in 0..50 {
            m.add(&w[0], None, None);
        }
        for x in &w[1..] {
            m.add(x, None, None);
        }
        assert!(m.len() <= 31, "cluster slots reused: {}", m.len());
        assert!(m.variants.len() <= 31, "variant slots reused");
        let (t, _) = m.templates();
        assert!(t.len() <= 30, "{} templates", t.len());
        let f = m.folded();
        assert!(f.clusters >= 950, "{f:?}");
        let reported: u64 = t.iter().map(|t| t.count).sum();
        assert_eq!(
            reported + f.messages,
            1049,
            "every message reported or folded"
        );
        let first = t
            .iter()
            .find(|t| t.template == w[0])
            .expect("frequent kept");
        assert_eq!(first.count, 50);
    }

    #[test]
    fn with_stable_keys_a_folded_message_maps_to_folded() {
        let mut m = Miner::new(MinerConfig {
            max_clusters: 4,
            max_templates: 8,
            cache_entries: 16,
            stable_keys: true,
            ..Default::default()
        });
        let w = words(200);
        let keys: Vec<LineKey> = w.iter().map(|x| m.add(x, None, None)).collect();
        let (t, index) = m.templates();
        let mut assigned = vec![0u64; t.len()];
        let mut folded = 0;
        for k in keys {
            match index.get(k) {
                FOLDED => folded += 1,
                i => assigned[i as usize] += 1,
            }
        }
        assert_eq!(folded, m.folded().messages);
        assert!(folded > 150, "{folded}");
        for (t, n) in t.iter().zip(assigned) {
            assert_eq!(t.count, n, "{}", t.template);
        }
    }

    /// Slot reuse must not show: with and without stable keys (slots kept or reused), the
    /// same templates, counts and examples.
    #[test]
    fn reusing_slots_changes_nothing_reported() {
        let run = |stable_keys: bool| {
            let mut m = Miner::new(MinerConfig {
                max_clusters: 3,
                max_templates: 5,
                stable_keys,
                ..Default::default()
            });
            let w = words(60);
            for round in 0..4 {
                for (i, x) in w.iter().enumerate() {
                    // Frequent shapes (kept when retired) come back later, in new clusters
                    // that may take lower, reused slots; numbers make each example differ.
                    let n = match (round, i % 7) {
                        (0, 0) => 3,
                        (0, _) | (_, 0) => 1,
                        _ => 0,
                    };
                    for k in 0..n {
                        m.add(&format!("{x} {round}{k}"), None, None);
                    }
                }
            }
            let (t, _) = m.templates();
            (t, m.folded())
        };
        let (a, fa) = run(false);
        let (b, fb) = run(true);
        assert_eq!(fa, fb);
        assert!(fa.clusters > 0, "something was folded");
        assert_eq!(a, b);
    }

    #[test]
    fn merging_carries_the_folded_count() {
        let config = MinerConfig {
            max_clusters: 4,
            max_templates: 8,
            ..Default::default()
        };
        let mut a = Miner::new(config.clone());
        let mut b = Miner::new(config);
        for x in words(100) {
            b.add(&x, None, None);
        }
        a.add("one two three", None, None);
        a.merge(&b);
        let (t, _) = a.templates();
        let reported: u64 = t.iter().map(|t| t.count).sum();
        assert_eq!(reported + a.folded().messages, 101);
        assert!(a.folded().clusters >= b.folded().clusters);
    }
}
