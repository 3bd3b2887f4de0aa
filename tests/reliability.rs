//! Reliability: a registry killed with SIGKILL at random moments loses no
//! acknowledged ingest or decision, and never shows an unapproved version
//! as approved.
//!
//! The test drives the real binary through a loop of ingests (several
//! archives per process, the longest writer we have) and decisions
//! (approve, reject, revoke), killing most processes after a random delay
//! and letting the rest finish. After every kill the next process must
//! open the folder at once (the dead holder's lock is gone), `log verify`
//! must pass (tree, checkpoint and statement signatures, and the replayed
//! state equal to the store's), and the stored records must agree with a
//! model of what was asked and what was acknowledged:
//!
//! - an acknowledged ingest is stored, and an acknowledged decision is in
//!   its version's decisions at the log index it was reported at;
//! - no decision appears that no process was asked to make (a refused
//!   one included);
//! - each version's state is what its decisions imply, so "approved"
//!   means enough distinct reviewers approved it.
//!
//! "Acknowledged" means the process printed its result, even if it was
//! killed a moment later: ingest prints one line per archive once that
//! archive's commit is flushed, and a decision prints its JSON after its
//! commit. A process killed before printing may or may not have written;
//! the model allows either, for the things that process was asked to do.
//!
//! Each registry lives for `KILLS_PER_REGISTRY` kills and then proves its
//! evidence bundle offline, with the same counts by state as the store.
//! We use many short logs rather than one long one because `log verify`
//! re-checks two signatures per entry, and in a debug build that costs
//! about 20 ms per entry: the checks after each kill would grow
//! quadratically with one log.
//!
//! Two registries run side by side, one per thread, so that one's checks
//! use the second core while the other waits to kill its process. Kill
//! delays follow how long processes have been taking on this machine
//! (`Pace`), so that they land inside a process's work on a slow machine
//! as on a fast one.
//!
//! The seed is printed; `RELIABILITY_SEED` replays its choices (not its
//! exact timing, which the machine decides) and `RELIABILITY_KILLS` sets
//! how many kills to reach (default 200). Run with `--nocapture` to see
//! the tally.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, BufReader, Read as _};
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::archives::{module, zip};
use support::Registry;

/// Kills each registry takes before the next one starts.
const KILLS_PER_REGISTRY: usize = 10;
/// Kills to reach unless `RELIABILITY_KILLS` says otherwise.
const DEFAULT_KILLS: usize = 200;
/// Registries driven side by side, one thread each: while one waits to
/// kill its process, the other's checks use the second core.
const WORKERS: usize = 2;
/// The signal `Child::kill` sends on Unix.
const SIGKILL: i32 = 9;
/// The reviewers; both trusted with the reviewer role.
const REVIEWERS: [&str; 2] = ["alice", "bob"];

#[test]
fn sigkill_at_random_moments_loses_nothing_acknowledged() {
    let plan = Plan::from_env();
    println!(
        "reliability: seed {} (replay with RELIABILITY_SEED={}), target {} kills",
        plan.seed, plan.seed, plan.kills
    );
    let started = Instant::now();
    let stop = AtomicBool::new(false);

    let tallies: Vec<Tally> = thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|id| {
                let (seed, kills, stop) = (plan.seed, plan.share(id), &stop);
                scope.spawn(move || work(id, seed, kills, stop))
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });

    let tally = Tally::sum(&tallies);
    println!(
        "reliability: {} kills of {} processes on {} registries in {:.0?}; \
         acknowledged {} ingests and {} decisions; seed {}",
        tally.kills,
        tally.processes,
        tally.registries,
        started.elapsed(),
        tally.acked_ingests,
        tally.acked_decisions,
        plan.seed
    );
    println!(
        "reliability: {} kills left a write the process had not acknowledged; \
         {} ingests were killed part-way through their archives",
        tally.unacked_writes, tally.mid_batch
    );
    println!(
        "reliability: summed over workers, {:.0?} in the killed or finished \
         processes and {:.0?} in the checks",
        tally.in_processes, tally.in_checks
    );
    assert!(tally.kills >= plan.kills);
}

/// One worker's share: registry after registry until enough kills.
fn work(id: usize, seed: u64, kills: usize, stop: &AtomicBool) -> Tally {
    let _stop_others = StopOnPanic(stop);
    let mut worker = Worker {
        id,
        rng: Rng::new(seed ^ (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        pool: Pool::new(),
        pace: Pace::new(),
        tally: Tally::default(),
    };
    while worker.tally.kills < kills && !stop.load(Ordering::Relaxed) {
        assert!(
            worker.tally.processes < kills * 20,
            "too few processes were still running when killed: {:?}",
            worker.tally
        );
        let mut scene = Scene::new(&mut worker.pool);
        let quota = kills - worker.tally.kills;
        scene.play(&mut worker, quota, stop);
        scene.check_bundle(&mut worker.tally);
    }
    worker.tally
}

/// Tells the other workers to stop when this one fails.
struct StopOnPanic<'a>(&'a AtomicBool);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

/// What one worker carries from registry to registry.
struct Worker {
    id: usize,
    rng: Rng,
    pool: Pool,
    pace: Pace,
    tally: Tally,
}

// ---------------------------------------------------------------------
// The plan, the tally, the pace and the random source
// ---------------------------------------------------------------------

/// The seed and how many kills to reach.
struct Plan {
    seed: u64,
    kills: usize,
}

impl Plan {
    fn from_env() -> Plan {
        let seed = env_number("RELIABILITY_SEED").unwrap_or_else(|| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap();
            now.as_nanos() as u64 | 1
        });
        let kills = env_number("RELIABILITY_KILLS").map_or(DEFAULT_KILLS, |n| n as usize);
        Plan { seed, kills }
    }

    /// Worker `id`'s part of the kills; the parts add up to the whole.
    fn share(&self, id: usize) -> usize {
        (self.kills + WORKERS - 1 - id) / WORKERS
    }
}

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let n = text.trim().parse();
    Some(n.unwrap_or_else(|_| panic!("{name}={text:?} is not a number")))
}

/// What the run did, for the final note.
#[derive(Debug, Default)]
struct Tally {
    kills: usize,
    /// Kills after which the log held a write nobody acknowledged.
    unacked_writes: usize,
    /// Ingests killed after acknowledging some of their archives.
    mid_batch: usize,
    processes: usize,
    registries: usize,
    acked_ingests: usize,
    acked_decisions: usize,
    in_processes: Duration,
    in_checks: Duration,
}

impl Tally {
    fn sum(tallies: &[Tally]) -> Tally {
        let mut all = Tally::default();
        for t in tallies {
            all.kills += t.kills;
            all.unacked_writes += t.unacked_writes;
            all.mid_batch += t.mid_batch;
            all.processes += t.processes;
            all.registries += t.registries;
            all.acked_ingests += t.acked_ingests;
            all.acked_decisions += t.acked_decisions;
            all.in_processes += t.in_processes;
            all.in_checks += t.in_checks;
        }
        all
    }
}

/// How long work takes on this machine right now, so that kills land
/// inside a process's work rather than after it: a decision from start
/// to exit, and each further archive of an ingest once the first is in.
struct Pace {
    decision: Duration,
    archive: Duration,
}

impl Pace {
    fn new() -> Pace {
        Pace {
            decision: Duration::from_millis(200),
            archive: Duration::from_millis(60),
        }
    }

    fn learn(&mut self, op: &Op, ended: &Ended) {
        match op {
            // Refusals end early, before any write: they would skew it.
            Op::Decide { .. } if ended.code == Some(0) => {
                self.decision = (self.decision * 3 + ended.elapsed) / 4;
            }
            Op::Decide { .. } => {}
            Op::Ingest(_) => {
                for pair in ended.line_times.windows(2) {
                    self.archive = (self.archive * 3 + (pair[1] - pair[0])) / 4;
                }
            }
        }
    }
}

/// xorshift64*: small, seeded, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    /// A duration from zero to `max`.
    fn upto(&mut self, max: Duration) -> Duration {
        Duration::from_micros(self.below(max.as_micros() as u64 + 1))
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

// ---------------------------------------------------------------------
// Archives and keys, shared by every registry
// ---------------------------------------------------------------------

/// One module archive on disk.
struct Module {
    name: String,
    version: String,
    zip: PathBuf,
    /// Carries a critical finding, so policy asks two reviewers.
    risky: bool,
}

/// Module zips made on demand, and the reviewers' key files.
struct Pool {
    dir: tempfile::TempDir,
    modules: Vec<Module>,
    keys_made: bool,
}

impl Pool {
    fn new() -> Pool {
        let dir = tempfile::tempdir().unwrap();
        Pool {
            dir,
            modules: Vec::new(),
            keys_made: false,
        }
    }

    /// Module `i`: seven packages, each in a run of versions; every fifth
    /// module hides `eval` of request data.
    fn module(&mut self, i: usize) -> &Module {
        while self.modules.len() <= i {
            let n = self.modules.len();
            let made = self.make_module(n);
            self.modules.push(made);
        }
        &self.modules[i]
    }

    fn make_module(&self, i: usize) -> Module {
        let name = format!("reliability/pkg-{}", i % 7);
        let version = format!("1.{}.0", i / 7);
        let risky = i % 5 == 4;
        let mut files = module(&name, &version);
        if risky {
            let php =
                "<?php\nclass Debug { function run() { eval(base64_decode($_POST['c'])); } }\n";
            files.push(("Model/Debug.php".into(), php.as_bytes().to_vec()));
        }
        let path = self.dir.path().join(format!("module-{i}.zip"));
        std::fs::write(&path, zip(&files)).unwrap();
        Module {
            name,
            version,
            zip: path,
            risky,
        }
    }

    /// The index of the module stored as `name` `version`.
    fn find(&self, name: &str, version: &str) -> usize {
        let found = self
            .modules
            .iter()
            .position(|m| m.name == name && m.version == version);
        found.unwrap_or_else(|| panic!("{name} {version} is stored but was never offered"))
    }

    /// A reviewer's private key file, made once with the first registry.
    fn key(&mut self, registry: &Registry, reviewer: &str) -> PathBuf {
        if !self.keys_made {
            for name in REVIEWERS {
                let out = self.dir.path().join(format!("{name}.key"));
                registry
                    .run(&["key", "new", "--name", name, "--out", path_str(&out)])
                    .success();
            }
            self.keys_made = true;
        }
        self.dir.path().join(format!("{reviewer}.key"))
    }
}

// ---------------------------------------------------------------------
// One registry's life: the loop, and the checks after each kill
// ---------------------------------------------------------------------

/// What one process is asked to do.
#[derive(Debug, Clone)]
enum Op {
    Ingest(Vec<usize>),
    Decide {
        module: usize,
        verdict: &'static str,
        reviewer: &'static str,
    },
}

/// When to kill a process.
#[derive(Debug, Clone, Copy)]
enum Timing {
    /// Let it finish.
    Finish,
    /// After this long from its start.
    After(Duration),
    /// After this long from its first line of output.
    AfterFirstLine(Duration),
}

/// A decision the binary acknowledged.
#[derive(Debug)]
struct Acked {
    module: usize,
    verdict: String,
    reviewer: String,
    index: u64,
}

/// What the test knows: what was acknowledged, and what was asked of
/// processes that did not refuse it.
#[derive(Default)]
struct Model {
    ingested: BTreeSet<usize>,
    acked: Vec<Acked>,
    asked: BTreeSet<(usize, String, String)>,
}

/// A stored version as `review list --json` shows it.
#[derive(Debug, Clone)]
struct Seen {
    state: String,
    /// (log index, verdict, reviewer)
    decisions: Vec<(u64, String, String)>,
}

/// One registry, the model of it, and what it last showed.
struct Scene {
    registry: Registry,
    keys: BTreeMap<&'static str, PathBuf>,
    model: Model,
    seen: BTreeMap<usize, Seen>,
    /// The log's size at the last check, plus what was acknowledged
    /// since: more at the next check means a killed process wrote and
    /// died before saying so.
    expected_size: u64,
    kills: usize,
}

impl Scene {
    /// A fresh registry with both reviewers trusted.
    fn new(pool: &mut Pool) -> Scene {
        let registry = Registry::new();
        let mut keys = BTreeMap::new();
        for name in REVIEWERS {
            let key = pool.key(&registry, name);
            let public = format!("{}.pub", key.display());
            registry
                .run(&[
                    "key", "trust", &public, "--name", name, "--role", "reviewer",
                ])
                .success();
            keys.insert(name, key);
        }
        Scene {
            registry,
            keys,
            model: Model::default(),
            seen: BTreeMap::new(),
            // The reviewers' key-trust statements.
            expected_size: REVIEWERS.len() as u64,
            kills: 0,
        }
    }

    /// Runs processes until this registry has seen its share of kills.
    fn play(&mut self, w: &mut Worker, quota: usize, stop: &AtomicBool) {
        w.tally.registries += 1;
        let kills = quota.min(KILLS_PER_REGISTRY);
        while self.kills < kills && !stop.load(Ordering::Relaxed) {
            let op = self.next_op(&mut w.rng, &mut w.pool);
            let timing = timing_for(&op, &mut w.rng, &w.pace);

            let ended = launch(&self.registry, &self.args(&op, &w.pool), timing);
            w.tally.in_processes += ended.elapsed;
            w.tally.processes += 1;
            w.pace.learn(&op, &ended);
            self.learn(&op, &ended, &w.pool, &mut w.tally);
            println!("w{} {}", w.id, ended.summary(timing));

            if ended.killed {
                self.kills += 1;
                w.tally.kills += 1;
                let started = Instant::now();
                self.check(&w.pool, &ended, &mut w.tally);
                w.tally.in_checks += started.elapsed();
            }
        }
    }

    /// Mostly decisions on what the registry last showed; an ingest when
    /// little is pending, or now and then.
    fn next_op(&self, rng: &mut Rng, pool: &mut Pool) -> Op {
        let pending = self.in_state("pending");
        let approved = self.in_state("approved");
        if pending.len() < 2 || rng.percent(10) {
            return Op::Ingest(self.fresh_batch(rng, pool));
        }
        let roll = rng.below(100);
        let (verdict, targets) = match roll {
            0..=11 if !approved.is_empty() => ("revoke", &approved),
            0..=21 => ("reject", &pending),
            _ => ("approve", &pending),
        };
        Op::Decide {
            module: rng.pick(targets),
            verdict,
            reviewer: rng.pick(&REVIEWERS),
        }
    }

    fn in_state(&self, state: &str) -> Vec<usize> {
        let matching = self.seen.iter().filter(|(_, s)| s.state == state);
        matching.map(|(m, _)| *m).collect()
    }

    /// Four to eight modules this registry does not hold yet.
    fn fresh_batch(&self, rng: &mut Rng, pool: &mut Pool) -> Vec<usize> {
        let wanted = 4 + rng.below(5) as usize;
        let fresh = (0..).filter(|i| !self.seen.contains_key(i));
        let batch: Vec<usize> = fresh.take(wanted).collect();
        for &i in &batch {
            pool.module(i);
        }
        batch
    }

    fn args(&self, op: &Op, pool: &Pool) -> Vec<String> {
        match op {
            Op::Ingest(batch) => {
                let zips = batch.iter().map(|&i| path_str(&pool.modules[i].zip).into());
                ["ingest".to_string()].into_iter().chain(zips).collect()
            }
            Op::Decide {
                module,
                verdict,
                reviewer,
            } => {
                let m = &pool.modules[*module];
                let key = path_str(&self.keys[reviewer]).to_string();
                let mut args = vec![verdict.to_string(), m.name.clone(), m.version.clone()];
                args.extend(["--key".into(), key, "--json".into()]);
                if *verdict != "approve" {
                    args.extend(["--reason".into(), "reliability test".into()]);
                }
                args
            }
        }
    }

    /// Folds what a process printed into the model and the view.
    fn learn(&mut self, op: &Op, ended: &Ended, pool: &Pool, tally: &mut Tally) {
        match op {
            Op::Ingest(batch) => self.learn_ingest(batch, ended, pool, tally),
            Op::Decide {
                module,
                verdict,
                reviewer,
            } => {
                let asked = (*module, verdict.to_string(), reviewer.to_string());
                self.learn_decision(asked, ended, tally);
            }
        }
    }

    fn learn_ingest(&mut self, batch: &[usize], ended: &Ended, pool: &Pool, tally: &mut Tally) {
        let mut acked = BTreeSet::new();
        for line in &ended.lines {
            let words: Vec<&str> = line.split_whitespace().collect();
            if let [verb @ ("stored" | "unchanged"), name, version, ..] = words[..] {
                acked.insert(pool.find(name, version));
                self.expected_size += u64::from(verb == "stored");
            }
        }
        tally.mid_batch += usize::from(ended.killed && !acked.is_empty());
        if !ended.killed {
            assert_eq!(ended.code, Some(0), "ingest failed:\n{}", ended.stderr);
            assert_eq!(
                acked.len(),
                batch.len(),
                "ingest printed:\n{:?}",
                ended.lines
            );
        }
        for m in acked {
            tally.acked_ingests += usize::from(self.model.ingested.insert(m));
            self.seen.entry(m).or_insert_with(|| Seen {
                state: "pending".into(),
                decisions: Vec::new(),
            });
        }
    }

    fn learn_decision(&mut self, asked: (usize, String, String), ended: &Ended, tally: &mut Tally) {
        let printed: Option<Value> = serde_json::from_str(&ended.lines.join("\n")).ok();
        if let Some(json) = printed {
            let (module, verdict, reviewer) = asked.clone();
            let index = json["log_index"].as_u64().unwrap();
            // A decision may follow a policy statement of the registry's.
            self.expected_size = self.expected_size.max(index + 1);
            assert_eq!(json["verdict"], verdict.as_str(), "{json}");
            if let Some(seen) = self.seen.get_mut(&module) {
                seen.state = json["state"].as_str().unwrap().to_string();
            }
            let acked = Acked {
                module,
                verdict,
                reviewer,
                index,
            };
            self.model.acked.push(acked);
            tally.acked_decisions += 1;
        } else if !ended.killed {
            // A refusal: exit 2 with one line, and nothing may be recorded.
            assert_eq!(ended.code, Some(2), "{ended:?}");
            let said = ended.stderr.lines().any(|l| l.starts_with("error: "));
            assert!(said, "{ended:?}");
            return;
        }
        self.model.asked.insert(asked);
    }

    /// After a kill: the folder opens, the log verifies, and the records
    /// agree with the model.
    fn check(&mut self, pool: &Pool, after: &Ended, tally: &mut Tally) {
        let report = self.verify_log(after);
        let now = self.review_list(pool);
        let before = std::mem::replace(&mut self.seen, now);
        let size = report["size"].as_u64().unwrap();
        assert!(
            size >= self.expected_size,
            "the log holds {size} entries, fewer than were acknowledged ({})",
            self.expected_size
        );
        tally.unacked_writes += usize::from(size > self.expected_size);
        self.expected_size = size;
        assert_eq!(report["versions"].as_u64(), Some(self.seen.len() as u64));

        self.check_acknowledged(pool);
        self.check_kept(pool, &before);
        for (&m, seen) in &self.seen {
            self.check_asked(pool, m, seen);
            check_state(&pool.modules[m], seen);
        }
    }

    /// `log verify`, which is also the first process after the kill.
    fn verify_log(&self, after: &Ended) -> Value {
        let run = self.registry.run(&["log", "verify", "--json"]);
        assert!(
            !run.stderr.contains("is in use by"),
            "the data folder stayed locked after a SIGKILL of {:?}:\n{}",
            after.args,
            run.stderr
        );
        assert_eq!(
            run.code, 0,
            "log verify failed after a SIGKILL of {:?}:\n{}",
            after.args, run.stderr
        );
        run.json()
    }

    fn review_list(&self, pool: &Pool) -> BTreeMap<usize, Seen> {
        let list = self.registry.run(&["review", "list", "--json"]).success();
        let list = list.json();
        let records = list.as_array().unwrap();
        records.iter().map(|r| seen_of(pool, r)).collect()
    }

    fn check_acknowledged(&self, pool: &Pool) {
        for &m in &self.model.ingested {
            let module = &pool.modules[m];
            assert!(
                self.seen.contains_key(&m),
                "acknowledged ingest lost: {} {}",
                module.name,
                module.version
            );
        }
        for acked in &self.model.acked {
            let wanted = (acked.index, acked.verdict.clone(), acked.reviewer.clone());
            let seen = self.seen.get(&acked.module);
            assert!(
                seen.is_some_and(|s| s.decisions.contains(&wanted)),
                "acknowledged decision lost: {acked:?}; stored: {seen:?}"
            );
        }
    }

    /// What an earlier check saw, acknowledged or not, stays: a version
    /// does not vanish and its decisions only grow.
    fn check_kept(&self, pool: &Pool, before: &BTreeMap<usize, Seen>) {
        for (m, old) in before {
            let module = &pool.modules[*m];
            let now = self.seen.get(m);
            let kept =
                now.is_some_and(|now| old.decisions.iter().all(|d| now.decisions.contains(d)));
            assert!(
                kept,
                "{} {} was {old:?} and is now {now:?}",
                module.name, module.version
            );
        }
    }

    /// Every stored decision was asked of a process that did not refuse.
    fn check_asked(&self, pool: &Pool, m: usize, seen: &Seen) {
        for (index, verdict, reviewer) in &seen.decisions {
            let asked = (m, verdict.clone(), reviewer.clone());
            assert!(
                self.model.asked.contains(&asked),
                "{} {} holds a {verdict} by {reviewer} at log index {index} \
                 that no unrefused process asked for",
                pool.modules[m].name,
                pool.modules[m].version
            );
        }
    }

    /// The evidence bundle verifies offline and counts the same states
    /// as the last check saw (a registry's life ends with a check).
    fn check_bundle(&self, tally: &mut Tally) {
        let started = Instant::now();
        let out = self.registry.tmp.path().join("evidence.json");
        let out = path_str(&out);
        self.registry
            .run(&["log", "export", "--out", out, "--json"])
            .success();
        let run = self.registry.run(&["verify", "--bundle", out, "--json"]);
        let report = run.success().json();

        let mut counts = BTreeMap::new();
        for seen in self.seen.values() {
            *counts.entry(seen.state.clone()).or_insert(0u64) += 1;
        }
        let from_bundle: BTreeMap<String, u64> = report["versions"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(state, n)| (state.clone(), n.as_u64().unwrap()))
            .filter(|(_, n)| *n > 0)
            .collect();
        assert_eq!(from_bundle, counts, "bundle: {report}");
        tally.in_checks += started.elapsed();
    }
}

/// Kill most processes. A decision anywhere in its usual run time, or,
/// as often, in its last stretch, where it is judged, committed and
/// printed. An ingest mostly in its write phase (the scanner's start-up
/// takes most of its first second), sometimes while it opens the store.
fn timing_for(op: &Op, rng: &mut Rng, pace: &Pace) -> Timing {
    let roll = rng.below(100);
    match op {
        Op::Decide { .. } if roll < 40 => Timing::After(rng.upto(pace.decision * 5 / 4)),
        Op::Decide { .. } if roll < 85 => {
            let late = pace.decision * 8 / 10;
            Timing::After(late + rng.upto(pace.decision / 4))
        }
        Op::Ingest(_) if roll < 20 => Timing::After(rng.upto(Duration::from_millis(300))),
        Op::Ingest(batch) if roll < 85 => {
            let rest = pace.archive * batch.len() as u32;
            Timing::AfterFirstLine(rng.upto(rest))
        }
        _ => Timing::Finish,
    }
}

/// A version's state follows from its decisions: revoked and rejected
/// are final, and approved needs enough distinct approvers.
fn check_state(module: &Module, seen: &Seen) {
    let has = |verdict: &str| seen.decisions.iter().any(|(_, v, _)| v == verdict);
    let approvers: BTreeSet<&str> = seen
        .decisions
        .iter()
        .filter(|(_, v, _)| v == "approve")
        .map(|(_, _, r)| r.as_str())
        .collect();
    let required = if module.risky { 2 } else { 1 };
    let expected = if has("revoke") {
        "revoked"
    } else if has("reject") {
        "rejected"
    } else if approvers.len() >= required {
        "approved"
    } else {
        "pending"
    };
    assert_eq!(
        seen.state, expected,
        "{} {} (needs {required} approvers) with decisions {:?}",
        module.name, module.version, seen.decisions
    );
    if expected == "revoked" {
        assert!(
            approvers.len() >= required,
            "revoked before approval: {seen:?}"
        );
    }
}

fn seen_of(pool: &Pool, record: &Value) -> (usize, Seen) {
    let text = |v: &Value| v.as_str().unwrap().to_string();
    let m = pool.find(
        record["name"].as_str().unwrap(),
        record["version"].as_str().unwrap(),
    );
    let severity = record["max_severity"].as_str();
    assert_eq!(
        pool.modules[m].risky,
        matches!(severity, Some("critical" | "high")),
        "the scan did not read {m} as the test expects: {severity:?}"
    );
    let decisions = record["decisions"].as_array().unwrap();
    let decisions = decisions
        .iter()
        .map(|d| {
            let index = d["index"].as_u64().unwrap();
            (index, text(&d["verdict"]), text(&d["reviewer"]))
        })
        .collect();
    let state = text(&record["state"]);
    (m, Seen { state, decisions })
}

// ---------------------------------------------------------------------
// Running and killing one process
// ---------------------------------------------------------------------

/// How a process ended, and what it printed.
#[derive(Debug)]
struct Ended {
    args: Vec<String>,
    /// Ended by our SIGKILL while still running.
    killed: bool,
    code: Option<i32>,
    /// Complete lines of stdout; a line cut off by the kill is dropped.
    lines: Vec<String>,
    /// When each line arrived, from the start.
    line_times: Vec<Duration>,
    stderr: String,
    /// From start to exit.
    elapsed: Duration,
}

impl Ended {
    /// One line for the test's output: shown when it fails.
    fn summary(&self, timing: Timing) -> String {
        let how = if self.killed {
            "killed".to_string()
        } else {
            format!("exit {:?}", self.code)
        };
        let args: Vec<&str> = self.args.iter().map(|a| short_arg(a)).collect();
        let printed = self.lines.len();
        format!("  {how:<8} {timing:?} {} ({printed} lines)", args.join(" "))
    }
}

/// A zip or key path by its file name only.
fn short_arg(arg: &str) -> &str {
    arg.rsplit('/').next().unwrap_or(arg)
}

/// Starts the binary, kills it per `timing` if it is still running, and
/// collects what it printed.
fn launch(registry: &Registry, args: &[String], timing: Timing) -> Ended {
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = Instant::now();
    let mut child = registry
        .command(&argv)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (first_line, line_seen) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let lines = thread::spawn(move || complete_lines(stdout, started, first_line));
    let mut stderr = child.stderr.take().unwrap();
    let stderr = thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    });

    match timing {
        Timing::Finish => {}
        Timing::After(delay) => thread::sleep(delay),
        Timing::AfterFirstLine(delay) => {
            // No line within the limit means the process already ended.
            let _ = line_seen.recv_timeout(Duration::from_secs(30));
            thread::sleep(delay);
        }
    }
    if !matches!(timing, Timing::Finish) {
        child.kill().unwrap();
    }
    let status = child.wait().unwrap();
    let elapsed = started.elapsed();
    let (lines, line_times) = lines.join().unwrap();
    Ended {
        args: args.to_vec(),
        killed: status.signal() == Some(SIGKILL),
        code: status.code(),
        lines,
        line_times,
        stderr: stderr.join().unwrap(),
        elapsed,
    }
}

/// Reads stdout to its end, noting when each line came; says when the
/// first one does.
fn complete_lines(
    stdout: ChildStdout,
    started: Instant,
    first_line: mpsc::Sender<()>,
) -> (Vec<String>, Vec<Duration>) {
    let mut reader = BufReader::new(stdout);
    let (mut lines, mut times) = (Vec::new(), Vec::new());
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 {
        if !line.ends_with('\n') {
            break;
        }
        lines.push(line.trim_end().to_string());
        times.push(started.elapsed());
        let _ = first_line.send(());
        line.clear();
    }
    (lines, times)
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}
