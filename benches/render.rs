//! Drawing the console is independent of the pinset's size: only the visible
//! window becomes rows. `cargo bench --bench render`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ccs_tui::app::filter::{Filter, Sort, SortKey};
use ccs_tui::app::order::compute_index;
use ccs_tui::app::rows::PinRow;
use ccs_tui::app::State;
use ccs_tui::cluster::gojson::{GoTime, List, Map};
use ccs_tui::cluster::types::Pin;
use ccs_tui::pinset::Pinset;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn rows(n: usize) -> Pinset {
    (0..n)
        .map(|i| {
            PinRow::from_pin(&Pin {
                cid: format!(
                    "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8{:04}",
                    i % 10_000
                ),
                name: format!("item-{i:07}"),
                metadata: Map::from(vec![
                    ("org".to_string(), ["hrdag", "tfc"][i % 2].to_string()),
                    (
                        "size".to_string(),
                        (1_000 + i * 7_919 % 5_000_000).to_string(),
                    ),
                ]),
                allocations: List::from(vec!["peerA".to_string(), "peerB".to_string()]),
                timestamp: GoTime::from_unix(1_700_000_000 + i as i64, 0, 0),
                ..Default::default()
            })
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let all = rows(1_000_000);
    let some: Vec<Pinset> = [1_000usize, 100_000]
        .iter()
        .map(|n| all.iter().take(*n).map(|r| r.to_owned()).collect())
        .collect();
    let mut g = c.benchmark_group("render pins pane 200x60");
    g.measurement_time(Duration::from_secs(3));
    for n in [1_000usize, 100_000, 1_000_000] {
        let mut st = State::new("bench".into(), None, Instant::now());
        st.pins.rows = Arc::new(match n {
            1_000 => some[0].clone(),
            100_000 => some[1].clone(),
            _ => all.clone(),
        });
        st.pins.index = std::sync::Arc::new((0..n as u32).collect());
        st.pins.selected = n / 2;
        st.pins.offset = n / 2;
        st.pins_height = 50;
        let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                term.draw(|f| ccs_tui::ui::view(&st, f)).unwrap();
            });
        });
    }
    g.finish();
    // Issue 31: the capacity figures of a million rows, worked out off the
    // UI task (target: under 0.5 s), and the screen drawn from them
    // (target: under 1 ms a frame).
    let peers: Vec<ccs_tui::cluster::capacity::Peer> = ["peerA", "peerB", "peerC"]
        .iter()
        .map(|p| ccs_tui::cluster::capacity::Peer {
            id: p.to_string(),
            name: p.to_string(),
            free: Some(2_000_000_000_000),
            reserve: 50_000_000_000,
        })
        .collect();
    let now = 1_700_000_000 + 1_000_000;
    let mut g = c.benchmark_group("capacity 1M rows");
    g.sample_size(10);
    g.bench_function("figures (budget 500 ms)", |b| {
        b.iter(|| ccs_tui::app::capacity::figures(&all, &peers, now))
    });
    g.finish();
    let figures = ccs_tui::app::capacity::figures(&all, &peers, now);
    let mut g = c.benchmark_group("render capacity screen");
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let mut st = State::new("bench".into(), None, Instant::now());
        st.pins.rows = Arc::new(all.clone());
        st.capacity = Some(ccs_tui::app::capacity::CapacityView {
            figures: Some(Box::new(figures.clone())),
            ..Default::default()
        });
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        g.bench_function(format!("{w}x{h} (budget 1 ms)"), |b| {
            b.iter(|| {
                term.draw(|f| ccs_tui::ui::view(&st, f)).unwrap();
            });
        });
    }
    g.finish();
    let mut g = c.benchmark_group("filter 1M rows");
    g.sample_size(10);
    let empty = Default::default();
    let f = Filter::parse("item-0123").unwrap();
    g.bench_function("substring", |b| {
        b.iter(|| {
            compute_index(
                &all,
                &f,
                Sort {
                    key: SortKey::Cid,
                    descending: false,
                },
                &empty,
                false,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
