//! Charts, the HTML report and `povsim plot`, on a synthetic output directory.
//!
//! Why one file of over 600 lines: every chart's test reads the same
//! synthetic output directory and decodes PNGs with the same helpers; split
//! by chart, each part would carry its own copy of them.

use crate::fixtures;
use povsim::output::{charts, report};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Decode a PNG file: (width, height, RGB or RGBA bytes, bytes per pixel).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>, usize) {
    let mut dec = png::Decoder::new(bytes);
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    buf.truncate(info.buffer_size());
    let bpp = info.color_type.samples();
    (info.width, info.height, buf, bpp)
}

/// Number of distinct colours in decoded pixels.
fn distinct_colours(px: &[u8], bpp: usize) -> usize {
    let mut set = std::collections::HashSet::new();
    for p in px.chunks_exact(bpp) {
        set.insert((p[0], p.get(1).copied(), p.get(2).copied()));
    }
    set.len()
}

#[test]
fn draw_all_writes_every_chart_as_png_and_svg() {
    let dir = fixtures::output_dir("charts-all", "fixture_county");
    let files = charts::draw_all(&dir).expect("draw_all");
    assert_eq!(files.len(), 2 * charts::CHART_NAMES.len(), "{files:?}");
    for name in charts::CHART_NAMES {
        for ext in ["png", "svg"] {
            let p = dir.join("charts").join(format!("{name}.{ext}"));
            assert!(files.contains(&p), "{} not reported", p.display());
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert!(bytes.len() > 1000, "{} is nearly empty", p.display());
            if ext == "png" {
                let (w, h, px, bpp) = decode_png(&bytes);
                assert!(w >= 1200 && h >= 800, "{name}: {w}x{h}");
                assert!(distinct_colours(&px, bpp) > 50, "{name}.png looks blank");
            } else {
                let svg = String::from_utf8(bytes).expect("SVG is UTF-8");
                assert!(
                    svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
                    "{name}.svg malformed"
                );
                assert!(
                    svg.contains("fixture_county"),
                    "{name}.svg: title should name the scenario"
                );
                assert!(svg.contains("<text"), "{name}.svg has no text");
            }
        }
    }
    // No temporary files left behind.
    for e in std::fs::read_dir(dir.join("charts")).unwrap() {
        let n = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!n.ends_with(".tmp"), "left {n}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn charts_of_absent_optional_files_are_skipped() {
    let dir = fixtures::output_dir("charts-optional", "fixture_county");
    charts::draw_all(&dir).expect("draw_all");
    for f in [
        "spending.csv",
        "targeting.csv",
        "villages.csv",
        "summary.json",
    ] {
        std::fs::remove_file(dir.join(f)).unwrap();
    }
    let files = charts::draw_all(&dir).expect("draw_all without optional files");
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for gone in ["spending", "targeting", "village_map"] {
        assert!(
            !names.iter().any(|n| n.starts_with(gone)),
            "{gone} drawn: {names:?}"
        );
        assert!(
            !dir.join("charts").join(format!("{gone}.png")).exists(),
            "stale {gone}.png kept"
        );
    }
    assert!(names.contains(&"incidence.png".to_string()));
    assert!(names.contains(&"dynamics.svg".to_string()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn malformed_csv_is_an_input_error_naming_file_and_row() {
    let dir = fixtures::output_dir("charts-bad", "fixture_county");
    let p = dir.join("villages.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[3] = lines[3].replacen(",0.", ",zero.", 1);
    std::fs::write(&p, lines.join("\n")).unwrap();
    match charts::draw_all(&dir) {
        Err(povsim::Error::Input(msg)) => {
            assert!(msg.contains("villages.csv:4:"), "{msg}");
            assert!(msg.contains("expected a number"), "{msg}");
            assert!(!msg.contains('\n'), "{msg}");
        }
        other => panic!("expected an input error, got {other:?}"),
    }
    std::fs::write(dir.join("trajectory.csv"), "replicate,year\n0,2008\n").unwrap();
    match charts::draw_all(&dir) {
        Err(povsim::Error::Input(msg)) => assert!(
            msg.contains("trajectory.csv:1:1: missing column `population`"),
            "{msg}"
        ),
        other => panic!("expected an input error, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The font is embedded and registered: the title strip of a chart rendered in
/// memory holds many dark text pixels, and rendering fails without a font.
#[test]
fn font_renders_text_pixels() {
    let dir = fixtures::output_dir("charts-font", "fixture_county");
    let (w, h, px) = charts::render_rgb(&dir, "incidence")
        .expect("render")
        .expect("incidence is always drawn");
    assert_eq!(px.len(), (w * h * 3) as usize);
    let dark_in_rows = |y0: u32, y1: u32| {
        (y0..y1)
            .flat_map(|y| (0..w).map(move |x| ((y * w + x) * 3) as usize))
            .filter(|&i| px[i] < 110 && px[i + 1] < 110 && px[i + 2] < 110)
            .count()
    };
    // The title (bold, ~46 px) sits in the top 85 rows; nothing else is drawn there.
    let title = dark_in_rows(0, 85);
    assert!(
        title > 3000,
        "only {title} dark pixels in the title strip: is the font registered?"
    );
    // Anti-aliased glyph edges give intermediate greys, not only black and white.
    let greys = (0..85 * w)
        .map(|i| (i * 3) as usize)
        .filter(|&i| px[i] > 60 && px[i] < 200 && px[i] == px[i + 1] && px[i + 1] == px[i + 2])
        .count();
    assert!(greys > 200, "no anti-aliased text edges ({greys})");
    // The title's text width is about what DejaVu Sans Bold gives: dark pixels span
    // from the left margin across a good part of the width.
    let cols: Vec<u32> = (0..w)
        .filter(|&x| (0..85).any(|y| px[((y * w + x) * 3) as usize] < 110))
        .collect();
    let (left, right) = (
        cols.first().copied().unwrap_or(0),
        cols.last().copied().unwrap_or(0),
    );
    assert!(left < 60 && right > 600, "title spans {left}..{right}");
    // Layout measures text with the same font: plotters knows "sans-serif" and
    // measures a bold title wider than the regular one.
    use plotters::style::{FontStyle, IntoFont};
    let regular = ("sans-serif", 40.0)
        .into_font()
        .box_size("Poverty incidence")
        .expect("font registered");
    let bold = ("sans-serif", 40.0, FontStyle::Bold)
        .into_font()
        .box_size("Poverty incidence")
        .expect("bold registered");
    assert!(
        regular.0 > 250 && regular.0 < 450,
        "regular width {}",
        regular.0
    );
    assert!(
        bold.0 > regular.0,
        "bold {} vs regular {}",
        bold.0,
        regular.0
    );
    // An unknown chart renders nothing.
    assert!(charts::render_rgb(&dir, "no_such_chart").unwrap().is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn report_is_self_contained_and_escaped() {
    let dir = fixtures::output_dir("charts-report", "fixture <county> & co");
    let path = report::write_report(&dir).expect("report");
    assert_eq!(path, dir.join("report.html"));
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg").count(), charts::CHART_NAMES.len());
    assert_eq!(
        html.matches("<figcaption>").count(),
        charts::CHART_NAMES.len()
    );
    for bad in [
        "<script",
        "<link",
        "<img",
        "@import",
        "url(",
        "src=",
        "href=",
        "http://fonts",
        "https://",
    ] {
        assert!(!html.contains(bad), "report contains {bad:?}");
    }
    assert!(
        html.contains("Scenario fixture &lt;county&gt; &amp; co"),
        "scenario not escaped"
    );
    assert!(
        !html.contains("<county>"),
        "raw scenario name in the report"
    );
    assert!(
        html.contains("&lt;b&gt;&amp;amp;&lt;/b&gt; &#39;quoted&#39;"),
        "parameter not escaped"
    );
    assert!(html.contains("Headcount ratio") && html.contains("Gini coefficient"));
    assert!(html.contains("<th class=\"num\">2008</th><th class=\"num\">2014</th>"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn povsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_povsim"))
}

#[test]
fn plot_command_redraws_charts_and_report() {
    let dir = fixtures::output_dir("charts-cli", "fixture_county");
    let out = povsim().arg("plot").arg(&dir).output().expect("run povsim");
    assert!(
        out.status.success(),
        "povsim plot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let listed: Vec<&str> = stdout.lines().collect();
    assert_eq!(listed.len(), 2 * charts::CHART_NAMES.len() + 1, "{stdout}");
    for l in &listed {
        assert!(Path::new(l).is_file(), "listed but missing: {l}");
    }
    assert!(listed.last().unwrap().ends_with("report.html"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn plot_command_without_trajectory_exits_2_with_one_line() {
    let dir = fixtures::temp_dir("charts-cli-empty");
    let out = povsim().arg("plot").arg(&dir).output().expect("run povsim");
    assert_eq!(
        out.status.code(),
        Some(2),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("trajectory.csv") && stderr.contains("missing"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    let missing = dir.join("no-such-dir");
    let out = povsim()
        .arg("plot")
        .arg(&missing)
        .output()
        .expect("run povsim");
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

const CHROMIUM: &str = "/usr/bin/chromium";

/// Run headless Chromium with `args` (after the common flags); returns stdout.
fn chromium(profile: &Path, args: &[String]) -> String {
    let mut cmd = Command::new(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
    // Read stdout on a thread so a large DOM cannot block the browser.
    let mut so = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut so, &mut s);
        s
    });
    let mut se = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut se, &mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait for chromium") {
            break st;
        }
        if start.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 180 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = reader.join().unwrap();
    let err = err_reader.join().unwrap();
    assert!(status.success(), "chromium failed ({status}): {err}");
    out
}

/// Opens report.html in headless Chromium: every chart is an SVG with a real
/// size on the page, and a screenshot of the page is not blank.
#[test]
fn report_renders_in_chromium() {
    if !fixtures::browser_ready(
        "report_renders_in_chromium",
        &[
            ("chromium", Path::new(CHROMIUM)),
            (
                "DejaVu fonts",
                Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
            ),
        ],
    ) {
        return;
    }
    let dir = fixtures::output_dir("charts-browser", "fixture_county");
    charts::draw_all(&dir).expect("charts");
    let report = report::write_report(&dir).expect("report");
    let html = std::fs::read_to_string(&report).unwrap();

    // A test-only copy of the report with a probe script that writes each SVG's
    // rendered size into the DOM (the report itself has no scripts).
    let probe = r#"<script>
const sizes = Array.from(document.querySelectorAll('svg')).map(s => {
  const b = s.getBoundingClientRect(); return Math.round(b.width) + 'x' + Math.round(b.height); });
const pre = document.createElement('pre'); pre.id = 'probe';
pre.textContent = 'SVG' + 'SIZES[' + sizes.join(',') + ']';
document.body.appendChild(pre);
</script>
</body>"#;
    assert!(html.contains("</body>"));
    let probed = dir.join("report_probe.html");
    std::fs::write(&probed, html.replacen("</body>", probe, 1)).unwrap();
    let profile = fixtures::temp_dir("chromium-profile");
    let url = |p: &PathBuf| format!("file://{}", p.canonicalize().unwrap().display());

    let dom = chromium(
        &profile,
        &[
            "--window-size=1280,4000".to_string(),
            "--dump-dom".to_string(),
            url(&probed),
        ],
    );
    assert_eq!(
        dom.matches("<svg").count(),
        charts::CHART_NAMES.len(),
        "SVG elements in the DOM"
    );
    let sizes = dom
        .split("SVGSIZES[")
        .nth(1)
        .and_then(|s| s.split(']').next())
        .unwrap_or_else(|| {
            panic!(
                "probe output missing from the DOM: {}",
                &dom[dom.len().saturating_sub(500)..]
            )
        });
    let sizes: Vec<(u32, u32)> = sizes
        .split(',')
        .map(|s| {
            let (w, h) = s.split_once('x').expect("WxH");
            (w.parse().unwrap(), h.parse().unwrap())
        })
        .collect();
    assert_eq!(sizes.len(), charts::CHART_NAMES.len());
    for (i, (w, h)) in sizes.iter().enumerate() {
        assert!(*w >= 600 && *h >= 300, "chart {i} is drawn {w}x{h} px");
    }

    let shot = dir.join("report_screenshot.png");
    chromium(
        &profile,
        &[
            "--window-size=1280,4000".to_string(),
            format!("--screenshot={}", shot.display()),
            url(&report),
        ],
    );
    let bytes = std::fs::read(&shot).expect("screenshot written");
    let (w, h, px, bpp) = decode_png(&bytes);
    assert!(w >= 1000 && h >= 3000, "screenshot {w}x{h}");
    let colours = distinct_colours(&px, bpp);
    assert!(colours > 200, "screenshot looks blank: {colours} colours");
    let _ = std::fs::remove_dir_all(&profile);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unusual_shapes_draw() {
    for (r, y, v) in [(1, 1, 1), (1, 2, 3), (2, 3, 5), (5, 30, 400)] {
        let dir = fixtures::temp_dir("charts-shape");
        fixtures::write_output_dir_shaped(
            &dir,
            "shape",
            fixtures::Shape {
                replicates: r,
                years: y,
                villages: v,
            },
        );
        let files = charts::draw_all(&dir)
            .unwrap_or_else(|e| panic!("{r} replicates, {y} years, {v} villages: {e}"));
        assert_eq!(
            files.len(),
            2 * charts::CHART_NAMES.len(),
            "{r}/{y}/{v}: {files:?}"
        );
        report::write_report(&dir).expect("report");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Only trajectory.csv, one replicate and one year, with undefined values.
#[test]
fn trajectory_alone_draws_incidence_and_dynamics() {
    let dir = fixtures::temp_dir("charts-minimal");
    std::fs::write(
        dir.join("trajectory.csv"),
        "replicate,year,population,households,poor,headcount_ratio,poverty_gap,poverty_severity,watts,sen,extreme_poor,\
         extreme_ratio,mean_income,median_income,gini,theil,bottom40_share,entries,exits,poverty_line,extreme_line,births,deaths,out_migrants\n\
         0,2020,1000,280,0,0,0,0,0,,0,0,9000.5,8000,0.3,0.2,0.2,0,0,4000,2400,10,8,3\n",
    )
    .unwrap();
    let files = charts::draw_all(&dir).expect("draw_all");
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "incidence.png",
            "incidence.svg",
            "dynamics.png",
            "dynamics.svg"
        ]
    );
    let html = std::fs::read_to_string(report::write_report(&dir).unwrap()).unwrap();
    assert_eq!(html.matches("<svg").count(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Not a check: writes the fixture's charts and report into
/// `$POVSIM_PREVIEW_DIR` (default: a temp dir) to look at them by eye.
/// `cargo test --test it preview_charts -- --ignored --nocapture`
#[test]
#[ignore]
fn preview_charts() {
    let dir = match std::env::var_os("POVSIM_PREVIEW_DIR") {
        Some(d) => PathBuf::from(d),
        None => fixtures::temp_dir("preview"),
    };
    std::fs::create_dir_all(&dir).unwrap();
    // POVSIM_PREVIEW_SHAPE=replicates,years,villages
    let shape = match std::env::var("POVSIM_PREVIEW_SHAPE") {
        Ok(s) => {
            let v: Vec<usize> = s
                .split(',')
                .map(|x| x.trim().parse().expect("a number"))
                .collect();
            fixtures::Shape {
                replicates: v[0],
                years: v[1],
                villages: v[2],
            }
        }
        Err(_) => fixtures::SHAPE,
    };
    fixtures::write_output_dir_shaped(&dir, "fixture_county", shape);
    charts::draw_all(&dir).expect("charts");
    report::write_report(&dir).expect("report");
    println!("preview in {}", dir.display());
}

#[test]
fn output_png_false_writes_svg_only_and_true_brings_the_pngs_back() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/classroom.toml");
    let dir = fixtures::temp_dir("charts-svg-only");
    let run = |png: bool| {
        let out = povsim()
            .args(["run", scenario, "--quiet", "--replicates", "1", "--out"])
            .arg(&dir)
            .args(["--set", &format!("output.png={png}")])
            .output()
            .expect("run povsim");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let pngs = || {
        std::fs::read_dir(dir.join("charts"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().unwrap() == "png")
            .count()
    };
    let report = || std::fs::read_to_string(dir.join("report.html")).unwrap();
    run(true);
    assert!(pngs() >= 5, "PNGs written by default");
    assert!(report().contains("as SVG and PNG"));
    // Switching PNG off removes the old copies, so the directory says what the run wrote.
    run(false);
    assert_eq!(pngs(), 0);
    assert!(dir.join("charts/incidence.svg").is_file());
    assert!(report().contains("charts/ as SVG."));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The classroom scenario, run small (a second seed for another run).
fn small_classroom(seed: u64) -> povsim::scenario::Scenario {
    povsim::scenario::load_str(
        Path::new("classroom.toml"),
        include_str!("../../scenarios/classroom.toml"),
        &[format!("simulation.seed={seed}")],
    )
    .expect("classroom")
}

/// A run kept in memory (the teaching page's) reads back exactly as the files
/// of the same run on disk, and its charts are the same drawings.
#[test]
fn a_run_in_memory_reads_back_as_its_files() {
    use povsim::experiment::{self, RunOptions};
    use povsim::output::charts::data::OutputData;
    let sc = small_classroom(2014);
    let dir = fixtures::temp_dir("in-memory");
    let out = dir.join("out");
    let opts = RunOptions {
        no_charts: true,
        ..Default::default()
    };
    experiment::run(&sc, &out, &opts).expect("run");
    let disk = OutputData::load(&out).expect("load");
    let mem = experiment::run_in_memory(&sc, &|| false).expect("run in memory");
    let same = |what: &str, a: String, b: String| {
        assert!(a.len() > 100, "{what}: nothing read");
        assert!(a == b, "{what} differs between disk and memory");
    };
    // Every table, as its rows read back.
    macro_rules! same_tables {
        ($($table:ident),*) => {$(
            same(
                stringify!($table),
                format!("{:?}", disk.$table),
                format!("{:?}", mem.$table),
            );
        )*};
    }
    same_tables!(
        trajectory,
        villages,
        income_sources,
        distribution,
        transitions,
        spending,
        targeting
    );
    same(
        "incidence chart",
        charts::incidence_svg(&disk, None).unwrap(),
        charts::incidence_svg(&mem, None).unwrap(),
    );
    same(
        "spending chart",
        charts::spending_svg(&disk).unwrap().unwrap(),
        charts::spending_svg(&mem).unwrap().unwrap(),
    );
    // Asked to stop, it stops.
    assert!(matches!(
        experiment::run_in_memory(&sc, &|| true),
        Err(experiment::Stopped::Asked)
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The texts of an SVG drawing, trimmed.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>'))
        .filter_map(|(_, t)| t.split('<').next())
        .map(|t| t.trim().to_string())
        .collect()
}

/// The incidence chart draws an earlier run faintly, and only when given one.
#[test]
fn incidence_draws_a_previous_run_faintly() {
    use povsim::experiment;
    use povsim::output::charts::Previous;
    let now = experiment::run_in_memory(&small_classroom(1), &|| false).unwrap();
    let before = experiment::run_in_memory(&small_classroom(2), &|| false).unwrap();
    let faint = |svg: &str| svg.matches("opacity=\"0.35\"").count();
    let alone = charts::incidence_svg(&now, None).unwrap();
    assert_eq!(faint(&alone), 0);
    assert!(!texts(&alone).iter().any(|t| t == "previous run"));
    let previous = Previous::of(&before);
    let with = charts::incidence_svg(&now, Some(&previous)).unwrap();
    assert!(faint(&with) >= 2, "no faint lines");
    assert!(
        texts(&with).iter().any(|t| t == "previous run"),
        "no legend entry"
    );
    // The previous run's numbers are its headcount means, in %.
    let means = before.by_year(|r| r.headcount_ratio);
    assert_eq!(previous.headcount().len(), means.len());
    for ((y, v), (y2, b)) in previous.headcount().iter().zip(&means) {
        assert_eq!(y, y2);
        assert!((v - 100.0 * b.mean).abs() < 1e-9, "{y}: {v} vs {}", b.mean);
    }
}

/// One year's village map: that year's panel, on the colour scale of every
/// year (so stepping through the years compares like with like).
#[test]
fn village_map_of_one_year_is_scaled_like_every_year() {
    let d = povsim::experiment::run_in_memory(&small_classroom(3), &|| false).unwrap();
    let years = d.years();
    // Apart from the panel's title (its year), every text is the same every
    // year: the colour bar's labels, the sizes and flows of the key.
    let mut keys = Vec::new();
    for y in &years {
        let svg = charts::village_map_svg(&d, *y).unwrap().expect("a map");
        let (titles, key): (Vec<String>, Vec<String>) = texts(&svg)
            .into_iter()
            .partition(|t| t.parse::<i32>().is_ok_and(|v| years.contains(&v)));
        assert_eq!(titles, [y.to_string()], "{y}: the panels drawn");
        keys.push(key);
    }
    assert!(
        keys[0].iter().filter(|t| t.ends_with('%')).count() >= 3,
        "{:?}",
        keys[0]
    );
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert!(charts::village_map_svg(&d, 1900).unwrap().is_none());
}

/// The village map's panels hold the villages of villages.csv as the file
/// says them (read here with the csv crate, not through the chart's loader):
/// the first, a middle and the last year; each village's remoteness and
/// headcount; relocations summed up to the panel's year; dot areas
/// proportional to population; and band points that pool every village's
/// people and poor.
#[test]
fn village_map_panels_are_the_villages_of_villages_csv() {
    use povsim::output::charts::village_map::VillageMap;
    use std::collections::BTreeMap;
    let dir = fixtures::output_dir("village-map-points", "fixture_county");
    let d = charts::data::OutputData::load(&dir).unwrap();
    let map = VillageMap::prepare(&d).expect("a map");
    // (year, village) -> (population, ratio, poor, remoteness, moved out that year), replicate 0.
    type Row = (f64, f64, f64, f64, f64);
    let mut file: BTreeMap<(i32, String), Row> = BTreeMap::new();
    let mut rd = csv::Reader::from_path(dir.join("villages.csv")).unwrap();
    for r in rd.records() {
        let r = r.unwrap();
        if &r[0] != "0" {
            continue;
        }
        let f = |k: usize| r[k].parse::<f64>().unwrap();
        file.insert(
            (r[1].parse().unwrap(), r[2].to_string()),
            (f(3), f(5), f(4), f(7), f(9)),
        );
    }
    let years: Vec<i32> = file
        .keys()
        .map(|k| k.0)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let shown: Vec<i32> = map.panels().iter().map(|p| p.year).collect();
    assert_eq!(
        shown,
        [years[0], years[years.len() / 2], years[years.len() - 1]]
    );
    let mut moved_somewhere = false;
    for p in map.panels() {
        let rows: Vec<_> = file.iter().filter(|(k, _)| k.0 == p.year).collect();
        assert_eq!(p.villages.len(), rows.len(), "{}", p.year);
        for v in &p.villages {
            let (pop, ratio, _, rem, _) = file[&(p.year, v.village.clone())];
            assert_eq!(v.population, pop);
            assert!((v.remoteness - rem).abs() < 1e-12);
            assert!((v.headcount - 100.0 * ratio).abs() < 1e-9);
            let moved: f64 = file
                .iter()
                .filter(|(k, _)| k.0 <= p.year && k.1 == v.village)
                .map(|(_, r)| r.4)
                .sum();
            assert_eq!(v.moved_out, moved, "{} {}", p.year, v.village);
            moved_somewhere |= moved > 0.0;
        }
        // The bands pool every village: their people add up to the year's
        // people, and their poor (people × headcount) to the year's poor
        // counted from the file's poor column (rounded per village).
        let people: f64 = rows.iter().map(|(_, r)| r.0).sum();
        let poor: f64 = rows.iter().map(|(_, r)| r.2).sum();
        let band_people: f64 = p.bands.iter().map(|b| b.population).sum();
        let band_poor: f64 = p
            .bands
            .iter()
            .map(|b| b.population * b.headcount / 100.0)
            .sum();
        assert!((band_people - people).abs() < 1e-6);
        assert!(
            (band_poor - poor).abs() <= 0.5 * rows.len() as f64,
            "{band_poor} vs {poor}"
        );
        assert!(p.bands.len() >= 3, "{}", p.bands.len());
        assert!(
            p.bands
                .windows(2)
                .all(|w| w[0].remoteness < w[1].remoteness)
        );
        // The fixture's remote villages are poorer: the band line rises.
        let (first, last) = (&p.bands[0], &p.bands[p.bands.len() - 1]);
        assert!(last.headcount > first.headcount, "{}", p.year);
    }
    assert!(moved_somewhere, "the fixture relocates people");
    // Dot area proportional to population (above the smallest radius).
    let mut pops: Vec<f64> = map.panels()[0]
        .villages
        .iter()
        .map(|v| v.population)
        .collect();
    pops.sort_by(f64::total_cmp);
    let top = *pops.last().unwrap();
    for w in pops.windows(2) {
        assert!(map.dot_radius(w[0]) <= map.dot_radius(w[1]));
    }
    for p in &pops {
        let ratio = (map.dot_radius(*p) / map.dot_radius(top)).powi(2);
        assert!((ratio - p / top).abs() < 1e-9, "{p}: {ratio}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A module that spent nothing in any year has no legend entry (a swatch
/// with no bar); the subtitle says it spent nothing, and the others keep
/// their entries.
#[test]
fn spending_legend_leaves_out_modules_that_spent_nothing() {
    let dir = fixtures::output_dir("spending-idle", "fixture_county");
    let path = dir.join("spending.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let spent = header.split(',').position(|c| c == "spent").unwrap();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let mut modules: Vec<String> = Vec::new();
    for r in &rows {
        if !modules.contains(&r[2]) {
            modules.push(r[2].clone());
        }
    }
    assert!(modules.len() >= 2, "{modules:?}");
    let idle = modules[0].clone();
    let mut out = format!("{header}\n");
    for mut r in rows {
        if r[2] == idle {
            r[spent] = "0".into();
        }
        out.push_str(&r.join(","));
        out.push('\n');
    }
    std::fs::write(&path, out).unwrap();
    let d = charts::data::OutputData::load(&dir).unwrap();
    let t = texts(&charts::spending_svg(&d).unwrap().unwrap());
    let name = |m: &str| m.replace('_', " ");
    assert!(!t.contains(&name(&idle)), "{idle} in the legend: {t:?}");
    assert!(
        t.iter()
            .any(|s| s.ends_with(&format!("nothing spent by {}", name(&idle)))),
        "{t:?}"
    );
    for m in &modules[1..] {
        assert!(t.contains(&name(m)), "{m} missing: {t:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
