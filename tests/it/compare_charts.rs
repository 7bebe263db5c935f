//! The charts and the report of `povsim compare`: every chart written as PNG
//! and SVG, the PNGs decode and are not blank, the report holds the four
//! charts inline and names the reform; the command writes them too.

use povsim::experiment::compare::compare;
use povsim::output::{charts, report};
use povsim::scenario::load_str;
use std::path::{Path, PathBuf};

const BASE: &str = r#"
[simulation]
name = "base"
start_year = 2010
years = 5
seed = 11
replicates = 3
villages = 8
households = 1200

[interventions.targeting]
method = "income"

[interventions.transfers]
guarantee_line = 1800
budget = 300000
"#;

fn reform(text: &str) -> String {
    text.replace("name = \"base\"", "name = \"bigger_guarantee\"")
        .replace("budget = 300000", "budget = 1200000")
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("povsim-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Decode a PNG: (width, height, pixels, bytes per pixel).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>, usize) {
    let mut dec = png::Decoder::new(bytes);
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf, info.color_type.samples())
}

/// Check every comparison chart in `dir/charts` and the report in `dir`.
fn check_outputs(dir: &Path) {
    for name in charts::COMPARE_CHART_NAMES {
        for ext in ["png", "svg"] {
            let p = dir.join("charts").join(format!("{name}.{ext}"));
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert!(bytes.len() > 1000, "{} is nearly empty", p.display());
            if ext == "png" {
                let (w, h, px, bpp) = decode_png(&bytes);
                assert!(w >= 1200 && h >= 700, "{name}: {w}x{h}");
                let colours: std::collections::HashSet<&[u8]> = px.chunks_exact(bpp).collect();
                assert!(colours.len() > 50, "{name}.png looks blank");
                let white = px.chunks_exact(bpp).filter(|p| p[..3] == [255; 3]).count();
                assert!(
                    white < px.len() / bpp * 97 / 100,
                    "{name}.png is nearly all white"
                );
            } else {
                let svg = String::from_utf8(bytes).expect("SVG is UTF-8");
                assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
                assert!(svg.contains("bigger_guarantee"), "{name}.svg: title");
            }
        }
    }
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 4, "four charts inline");
    assert!(html.contains("bigger_guarantee") && html.contains("base"));
    assert!(html.contains("Person-years of poverty averted"));
    assert!(!html.contains("<script") && !html.contains("src=\"http"));
    // No temporary files left behind.
    for d in [dir.to_path_buf(), dir.join("charts")] {
        for e in std::fs::read_dir(d).unwrap() {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!n.ends_with(".tmp"), "temporary file left: {n}");
        }
    }
}

#[test]
fn compare_draws_four_charts_and_a_report() {
    let base = load_str(Path::new("b.toml"), BASE, &[]).unwrap();
    let r = load_str(Path::new("r.toml"), &reform(BASE), &[]).unwrap();
    let c = compare(&base, &[r]).unwrap();
    let dir = temp_dir("compare-charts");
    let files = charts::draw_compare(&c, &dir).unwrap();
    assert_eq!(
        files.len(),
        2 * charts::COMPARE_CHART_NAMES.len(),
        "{files:?}"
    );
    for f in &files {
        assert!(f.is_file(), "{} reported but missing", f.display());
    }
    let page = report::write_compare_report(&dir, &c).unwrap();
    assert_eq!(page, dir.join("report.html"));
    check_outputs(&dir);
    // The reform spends more and averts poverty: a cost, not "dominates".
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(" yuan</td>"), "cost per person-year missing");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_cheaper_worse_reform_gets_no_negative_cost() {
    // Swap the roles: the bigger budget is the base, the smaller one the
    // "reform", which spends less and leaves more people poor: no negative
    // cost per person-year, and it does not dominate.
    let big = load_str(Path::new("b.toml"), &reform(BASE), &[]).unwrap();
    let small = load_str(Path::new("r.toml"), BASE, &[]).unwrap();
    let c = compare(&big, &[small]).unwrap();
    let dir = temp_dir("compare-charts-cheaper");
    report::write_compare_report(&dir, &c).unwrap();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("saves") || html.contains("averts no poverty"));
    assert!(!html.contains("dominates:"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compare_command_writes_charts_and_report() {
    let dir = temp_dir("compare-charts-cli");
    let (b, r) = (dir.join("base.toml"), dir.join("reform.toml"));
    std::fs::write(&b, BASE).unwrap();
    std::fs::write(&r, reform(BASE)).unwrap();
    let out = dir.join("out");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_povsim"))
        .args([
            "compare",
            b.to_str().unwrap(),
            r.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("report.html"), "{stdout}");
    assert!(stdout.contains("compare_deciles.png"), "{stdout}");
    check_outputs(&out);
    let _ = std::fs::remove_dir_all(&dir);
}
