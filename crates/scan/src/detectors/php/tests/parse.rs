//! parse scenarios.

#[test]
fn tmp_deep() {
    let n: usize = std::env::var("N")
        .map(|v| v.parse().unwrap())
        .unwrap_or(100);
    let kind = std::env::var("K").unwrap_or_default();
    let code = match kind.as_str() {
        "paren" => format!("<?php\n$a = {}1{};\n", "(".repeat(n), ")".repeat(n)),
        "arr" => format!("<?php\n$a = {}1{};\n", "[".repeat(n), "]".repeat(n)),
        "if" => format!(
            "<?php\n{}eval($_GET['x']);{}\n",
            "if ($a) {".repeat(n),
            "}".repeat(n)
        ),
        "call" => format!("<?php\n$a = {}1{};\n", "f(".repeat(n), ")".repeat(n)),
        _ => format!("<?php\n$a = {};\neval($a);\n", vec!["chr(97)"; n].join(".")),
    };
    let h = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let sink = super::scan("a.php", &code);
            sink.findings
                .iter()
                .map(|f| f.code.clone())
                .collect::<Vec<_>>()
        })
        .unwrap();
    eprintln!("n={n} ok {:?}", h.join().unwrap());
}
