//! Function code artifacts (SPEC §8): deterministic zips, keys, sharing, exclusions, prebuilt
//! artifacts and errors. Each test writes a small project into its own temporary directory.

mod common;

use common::temp::Temp;
use sha2::{Digest, Sha256};
use slsc::emit::artifacts::{self, Artifact};
use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

const APP: &str = r#"
app "demo" {
  region  = "us-east-1"
  runtime = "nodejs22.x"
}
"#;

/// `function "NAME" { handler = "index.handler"  ATTR }` for each (name, attribute line).
fn sls(functions: &[(&str, &str)]) -> String {
    let mut s = APP.to_string();
    for (name, attr) in functions {
        s.push_str(&format!(
            "\nfunction \"{name}\" {{\n  handler = \"index.handler\"\n  {attr}\n}}\n"
        ));
    }
    s
}

/// Writes `main.sls` and compiles the project (which must have no errors).
fn model(dir: &Temp, src: &str) -> slsc::model::Model {
    dir.write("main.sls", src.as_bytes());
    let opts = slsc::Options {
        today: common::TODAY.into(),
        ..Default::default()
    };
    common::expect_clean(slsc::compile(dir.path(), &opts).expect("no I/O errors"))
}

fn build(dir: &Temp, src: &str) -> Vec<Artifact> {
    build_excluding(dir, src, &[])
}

fn build_excluding(dir: &Temp, src: &str, exclude: &[PathBuf]) -> Vec<Artifact> {
    let m = model(dir, src);
    artifacts::build(&m, dir.path(), exclude)
        .unwrap_or_else(|d| panic!("unexpected errors: {d:#?}"))
}

/// The one artifact of a project.
fn only(artifacts: Vec<Artifact>) -> Artifact {
    assert_eq!(artifacts.len(), 1, "{:?}", keys(&artifacts));
    artifacts.into_iter().next().unwrap()
}

fn keys(artifacts: &[Artifact]) -> Vec<&str> {
    artifacts.iter().map(|a| a.key.as_str()).collect()
}

/// The entries of a zip: (name, unix mode, contents).
fn entries(bytes: &[u8]) -> Vec<(String, Option<u32>, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a readable zip");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), f.unix_mode(), data)
        })
        .collect()
}

fn names(bytes: &[u8]) -> Vec<String> {
    entries(bytes).into_iter().map(|(n, _, _)| n).collect()
}

/// A source tree written in the given order (so directory listing orders can differ).
fn write_tree(dir: &Temp, files: &[(&str, &str)]) {
    for (rel, text) in files {
        dir.write(rel, text.as_bytes());
    }
}

const TREE: &[(&str, &str)] = &[
    (
        "src/index.js",
        "exports.handler = async () => ({ ok: true });\n",
    ),
    ("src/lib/util.js", "module.exports = (x) => x * 2;\n"),
    ("src/lib-extra.js", "// sorts before lib/ by byte order\n"),
    ("src/node_modules/dep/index.js", "module.exports = 1;\n"),
    ("src/empty.txt", ""),
];

fn one_function() -> String {
    sls(&[("api", r#"source = "src""#)])
}

#[test]
fn the_same_input_twice_gives_identical_bytes() {
    let dir = Temp::new("twice");
    write_tree(&dir, TREE);
    let a = only(build(&dir, &one_function()));
    let b = only(build(&dir, &one_function()));
    assert_eq!(a, b);
    assert_eq!(
        names(&a.bytes),
        [
            "empty.txt",
            "index.js",
            "lib-extra.js",
            "lib/util.js",
            "node_modules/dep/index.js"
        ],
        "sorted by relative path, `/` separators, no directory entries"
    );
    assert_eq!(a.functions, ["api"]);
    assert_eq!(a.source, "src");
}

#[test]
fn the_same_tree_in_another_folder_gives_identical_bytes_and_key() {
    let one = Temp::new("copy-a");
    let two = Temp::new("copy-b-with-a-longer-name");
    write_tree(&one, TREE);
    let reversed: Vec<_> = TREE.iter().rev().copied().collect();
    write_tree(&two, &reversed);
    let a = only(build(&one, &one_function()));
    let b = only(build(&two, &one_function()));
    assert_eq!(a.key, b.key);
    assert!(a.bytes == b.bytes, "the zips differ");
}

#[test]
fn touching_a_file_changes_nothing() {
    let dir = Temp::new("mtime");
    write_tree(&dir, TREE);
    let before = only(build(&dir, &one_function()));
    let f = std::fs::File::options()
        .write(true)
        .open(dir.path().join("src/index.js"))
        .unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_234_567_890))
        .unwrap();
    drop(f);
    let after = only(build(&dir, &one_function()));
    assert_eq!(before, after);
}

#[test]
fn changing_a_byte_changes_the_key() {
    let dir = Temp::new("byte");
    write_tree(&dir, TREE);
    let before = only(build(&dir, &one_function()));
    dir.write("src/lib/util.js", b"module.exports = (x) => x * 3;\n");
    let after = only(build(&dir, &one_function()));
    assert_ne!(before.key, after.key);
    assert_ne!(before.sha256_hex, after.sha256_hex);
    assert!(after.key.starts_with("artifacts/src-"), "{}", after.key);
}

#[test]
fn hashes_and_key_describe_the_bytes() {
    let dir = Temp::new("hash");
    write_tree(&dir, TREE);
    let a = only(build(&dir, &one_function()));
    let digest = Sha256::digest(&a.bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(a.sha256_hex, hex);
    assert_eq!(a.key, format!("artifacts/src-{}.zip", &hex[..16]));
    assert_eq!(a.sha256_base64.len(), 44);
    assert!(a.sha256_base64.ends_with('='));
    // Decode the base64 back and compare with the digest.
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut decoded = Vec::new();
    for c in a.sha256_base64.trim_end_matches('=').chars() {
        bits = (bits << 6) | alphabet.find(c).unwrap() as u32;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            decoded.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    assert_eq!(decoded, digest.to_vec());
}

#[test]
fn entries_have_fixed_times_and_no_extra_fields() {
    let dir = Temp::new("raw");
    write_tree(&dir, TREE);
    let a = only(build(&dir, &one_function()));
    let b = &a.bytes;
    let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]) as usize;
    let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
    // Local file headers, one after another.
    let mut i = 0;
    let mut locals = 0;
    while b[i..].starts_with(b"PK\x03\x04") {
        assert_eq!(u16_at(i + 6) & 0x08, 0, "no data descriptor");
        assert_eq!(u16_at(i + 10), 0, "time 00:00:00");
        assert_eq!(u16_at(i + 12), (1 << 5) | 1, "date 1980-01-01");
        assert_eq!(u16_at(i + 28), 0, "no extra fields in the local header");
        i += 30 + u16_at(i + 26) + u32_at(i + 18);
        locals += 1;
    }
    assert_eq!(locals, TREE.len());
    // Central directory.
    let mut centrals = 0;
    while b[i..].starts_with(b"PK\x01\x02") {
        assert_eq!(b[i + 5], 3, "made by Unix");
        assert_eq!(u16_at(i + 12), 0, "time 00:00:00");
        assert_eq!(u16_at(i + 14), (1 << 5) | 1, "date 1980-01-01");
        assert_eq!(u16_at(i + 30), 0, "no extra fields in the central header");
        assert_eq!(u16_at(i + 32), 0, "no comment");
        let mode = u32_at(i + 38) >> 16;
        assert!(mode == 0o100644 || mode == 0o100755, "mode {mode:o}");
        i += 46 + u16_at(i + 28) + u16_at(i + 30) + u16_at(i + 32);
        centrals += 1;
    }
    assert_eq!(centrals, TREE.len());
    assert!(
        b[i..].starts_with(b"PK\x05\x06"),
        "end of central directory"
    );
    assert_eq!(b.len(), i + 22, "no archive comment");
}

#[cfg(unix)]
#[test]
fn an_executable_bootstrap_stays_executable() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Temp::new("bootstrap");
    let bootstrap = dir.write("runtime/bootstrap", b"#!/bin/sh\nexec ./handler\n");
    dir.write("runtime/handler", b"\x7fELF not really\n");
    let data = dir.write("runtime/data.json", b"{}\n");
    std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Group/other bits, setuid and an unusual mode are all normalised.
    std::fs::set_permissions(
        dir.path().join("runtime/handler"),
        std::fs::Permissions::from_mode(0o4700),
    )
    .unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o600)).unwrap();
    let src = sls(&[("custom", r#"source = "runtime""#)]);
    let a = only(build(&dir, &src));
    let modes: Vec<(String, Option<u32>)> = entries(&a.bytes)
        .into_iter()
        .map(|(n, m, _)| (n, m))
        .collect();
    assert_eq!(
        modes,
        [
            ("bootstrap".to_string(), Some(0o100755)),
            ("data.json".to_string(), Some(0o100644)),
            ("handler".to_string(), Some(0o100755)),
        ]
    );
    // Read back as Lambda would: the external attributes carry the mode.
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&a.bytes)).unwrap();
    let f = z.by_name("bootstrap").unwrap();
    assert_eq!(f.external_attributes() >> 16, 0o100755);

    // Modes other than the owner's x bit do not change the bytes.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o664)).unwrap();
    std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(only(build(&dir, &src)).bytes, a.bytes);
    // Losing the x bit does.
    std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_ne!(only(build(&dir, &src)).key, a.key);
}

#[test]
fn hidden_files_sls_files_and_the_build_output_are_left_out() {
    let dir = Temp::new("exclude");
    write_tree(
        &dir,
        &[
            ("index.js", "exports.handler = 1;\n"),
            (".env", "SECRET=1\n"),
            (".slsc/cache.json", "{}\n"),
            (".git/HEAD", "ref: refs/heads/main\n"),
            ("lib/.hidden.js", "x\n"),
            ("lib/.cache/x.js", "x\n"),
            ("lib/keep.js", "keep\n"),
            ("lib/other.sls", "# not code\n"),
            ("out/template.json", "{}\n"),
            (
                "nested/out/kept.txt",
                "only the top-level out/ is excluded\n",
            ),
            ("notes.sls.txt", "not an .sls file\n"),
        ],
    );
    let src = sls(&[("api", r#"source = ".""#)]);
    let a = only(build_excluding(&dir, &src, &[PathBuf::from("out")]));
    assert_eq!(a.source, ".");
    assert!(a.key.starts_with("artifacts/app-"), "{}", a.key);
    assert_eq!(
        names(&a.bytes),
        [
            "index.js",
            "lib/keep.js",
            "nested/out/kept.txt",
            "notes.sls.txt"
        ]
    );
    // An absolute exclude path works too (and a path that names a file or nothing is harmless).
    let abs = dir.path().join("out");
    let b = only(build_excluding(
        &dir,
        &src,
        &[abs, dir.path().join("index.js"), dir.path().join("missing")],
    ));
    assert_eq!(a, b);
    // Without the exclusion, out/ is packaged.
    let c = only(build(&dir, &src));
    assert!(names(&c.bytes).contains(&"out/template.json".to_string()));
}

#[test]
fn functions_with_the_same_source_share_one_artifact() {
    let dir = Temp::new("shared");
    write_tree(&dir, TREE);
    dir.write("functions/thumbnail/index.js", b"exports.handler = 2;\n");
    let src = sls(&[
        ("b_worker", r#"source = "./src/""#),
        ("a_api", r#"source = "src""#),
        ("thumbnail", r#"source = "functions/thumbnail""#),
        ("root", r#"source = ".""#),
        ("defaulted", ""),
    ]);
    let all = build(&dir, &src);
    let sources: Vec<&str> = all.iter().map(|a| a.source.as_str()).collect();
    assert_eq!(
        sources,
        [".", "functions/thumbnail", "src"],
        "sorted by source"
    );
    assert_eq!(all[0].functions, ["defaulted", "root"]);
    assert_eq!(all[2].functions, ["a_api", "b_worker"]);
    let api = artifacts::key_for(&all, "a_api").unwrap();
    let worker = artifacts::key_for(&all, "b_worker").unwrap();
    assert!(std::ptr::eq(api, worker));
    assert_eq!(
        artifacts::key_for(&all, "thumbnail").unwrap().source,
        "functions/thumbnail"
    );
    assert!(artifacts::key_for(&all, "nope").is_none());
    // The same tree built for one function only gives the same artifact.
    let alone = Temp::new("shared-alone");
    write_tree(&alone, TREE);
    let single = only(build(&alone, &one_function()));
    assert_eq!(single.key, all[2].key);
}

#[test]
fn slugs_follow_the_source_path() {
    let dir = Temp::new("slug");
    dir.write("index.js", b"1\n");
    dir.write("functions/thumbnail/index.js", b"2\n");
    dir.write("build/v1.2/index.js", b"3\n");
    let src = sls(&[
        ("root", r#"source = ".""#),
        ("thumbnail", r#"source = "functions/thumbnail""#),
        ("versioned", r#"source = "build/v1.2""#),
    ]);
    let all = build(&dir, &src);
    let slug_of = |name: &str| {
        let key = &artifacts::key_for(&all, name).unwrap().key;
        let rest = key
            .strip_prefix("artifacts/")
            .unwrap()
            .strip_suffix(".zip")
            .unwrap();
        let (slug, hash) = rest.rsplit_once('-').unwrap();
        assert_eq!(hash.len(), 16, "{key}");
        assert!(
            hash.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{key}"
        );
        slug.to_string()
    };
    assert_eq!(slug_of("root"), "app");
    assert_eq!(slug_of("thumbnail"), "functions-thumbnail");
    assert_eq!(slug_of("versioned"), "build-v1-2");
}

#[test]
fn a_prebuilt_artifact_is_used_as_is() {
    let dir = Temp::new("prebuilt");
    // Any zip will do: one written by another tool, with its own timestamps.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("Main.class", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut w, b"\xca\xfe\xba\xbe").unwrap();
    let zip_bytes = w.finish().unwrap().into_inner();
    dir.write("dist/api.zip", &zip_bytes);
    let src = sls(&[
        ("java", r#"artifact = "dist/api.zip""#),
        ("java_too", r#"artifact = "./dist/api.zip""#),
    ]);
    let a = only(build(&dir, &src));
    assert_eq!(a.bytes, zip_bytes);
    assert_eq!(a.source, "dist/api.zip");
    assert_eq!(a.functions, ["java", "java_too"]);
    let hex: String = Sha256::digest(&zip_bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(a.key, format!("artifacts/dist-api-{}.zip", &hex[..16]));
}

#[test]
fn an_empty_source_directory_is_an_empty_zip() {
    let dir = Temp::new("empty");
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    dir.write("src/.gitkeep", b"");
    let a = only(build(&dir, &one_function()));
    assert!(names(&a.bytes).is_empty());
    assert!(a.bytes.starts_with(b"PK\x05\x06"));
}

#[cfg(unix)]
#[test]
fn symlinked_files_are_included_and_symlinked_directories_skipped() {
    use std::os::unix::fs::symlink;
    let dir = Temp::new("symlink");
    dir.write("shared/config.json", b"{\"a\":1}\n");
    dir.write("src/index.js", b"1\n");
    symlink("../shared/config.json", dir.path().join("src/config.json")).unwrap();
    symlink("../shared", dir.path().join("src/shared")).unwrap();
    symlink("..", dir.path().join("src/loop")).unwrap();
    let a = only(build(&dir, &one_function()));
    let got = entries(&a.bytes);
    let listed: Vec<(&str, &[u8])> = got
        .iter()
        .map(|(n, _, d)| (n.as_str(), d.as_slice()))
        .collect();
    assert_eq!(
        listed,
        [
            ("config.json", &b"{\"a\":1}\n"[..]),
            ("index.js", &b"1\n"[..])
        ]
    );
    // A dangling link is an error: the function would miss a file.
    let m = model(&dir, &one_function());
    symlink("nowhere.js", dir.path().join("src/broken.js")).unwrap();
    let errs = artifacts::build(&m, dir.path(), &[]).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].code, "source-not-found");
    assert!(errs[0].message.contains("broken.js"), "{}", errs[0].message);
}

#[test]
fn problems_are_diagnostics_at_the_attribute() {
    let dir = Temp::new("errors");
    write_tree(&dir, TREE);
    dir.write("functions/other/index.js", b"x\n");
    dir.write("dist/api.zip", b"PK\x03\x04 enough to pass the check");
    let src = sls(&[
        ("api", r#"source = "src""#),
        ("worker", r#"source = "src""#),
        ("other", r#"source = "functions/other""#),
        ("java", r#"artifact = "dist/api.zip""#),
    ]);
    let m = model(&dir, &src);
    // Break things after compiling (compile's own check would report them first).
    std::fs::remove_dir_all(dir.path().join("src")).unwrap();
    std::fs::remove_dir_all(dir.path().join("functions/other")).unwrap();
    dir.write("functions/other", b"a file, not a directory");
    dir.write("dist/api.zip", b"not a zip at all");
    let errs = artifacts::build(&m, dir.path(), &[]).unwrap_err();
    let text = std::fs::read_to_string(dir.path().join("main.sls")).unwrap();
    let got: Vec<(&str, &str, &str)> = errs
        .iter()
        .map(|d| {
            (
                d.code.as_str(),
                &text[d.span.start..d.span.end],
                d.message.as_str(),
            )
        })
        .collect();
    let codes: Vec<(&str, &str)> = got.iter().map(|(c, s, _)| (*c, *s)).collect();
    assert_eq!(
        codes,
        [
            ("source-not-found", r#""src""#),
            ("source-not-found", r#""src""#),
            ("source-not-found", r#""functions/other""#),
            ("invalid-value", r#""dist/api.zip""#),
        ],
        "{got:#?}"
    );
    assert!(got[0].2.contains("does not exist"), "{}", got[0].2);
    assert!(got[2].2.contains("not a directory"), "{}", got[2].2);
    assert!(got[3].2.contains("not a zip"), "{}", got[3].2);

    // A prebuilt artifact that is missing, or a directory.
    std::fs::remove_file(dir.path().join("dist/api.zip")).unwrap();
    let errs = artifacts::build(&m, dir.path(), &[]).unwrap_err();
    assert!(errs.iter().any(|d| d.code == "source-not-found"
        && d.message
            .contains("artifact file \"dist/api.zip\" does not exist")));
    std::fs::create_dir_all(dir.path().join("dist/api.zip")).unwrap();
    let errs = artifacts::build(&m, dir.path(), &[]).unwrap_err();
    assert!(errs
        .iter()
        .any(|d| d.code == "source-not-found" && d.message.contains("is a directory")));
}

/// The bytes are pinned: a change here (say, from a new version of the zip or deflate crates)
/// changes every function's key and redeploys every function, so it must be deliberate.
#[test]
fn the_bytes_are_pinned() {
    let dir = Temp::new("pinned");
    write_tree(&dir, TREE);
    let a = only(build(&dir, &one_function()));
    assert_eq!(a.bytes.len(), PINNED_LEN, "{}", a.sha256_hex);
    assert_eq!(a.sha256_hex, PINNED_SHA256);
}
const PINNED_LEN: usize = 680;
const PINNED_SHA256: &str = "215e69c4e5f9365d18eec7ea5c569246fc9e718c73b5fba0944ac26e117c7d49";

// ---------------------------------------------------------------------------------------------
// Packaging never leaves the project (issue 15): symbolic links, `../` sources, default
// exclusions.

/// The diagnostics of `artifacts::build` on a project that compiles clean.
fn build_errors(dir: &Temp, src: &str) -> Vec<slsc::diagnostics::Diagnostic> {
    let m = model(dir, src);
    artifacts::build(&m, dir.path(), &[]).expect_err("packaging must refuse this project")
}

#[cfg(unix)]
#[test]
fn a_symlink_to_a_file_outside_the_project_is_refused_naming_the_link() {
    use std::os::unix::fs::symlink;
    let outside = Temp::new("outside-secret");
    let secret = outside.write("credentials", b"aws_secret_access_key = SECRET\n");
    for (link, target) in [
        ("env.txt", PathBuf::from("/proc/self/environ")),
        ("creds", secret.clone()),
        ("lib/deep/host", PathBuf::from("/etc/hostname")),
    ] {
        let dir = Temp::new("symlink-out");
        dir.write("src/index.js", b"1\n");
        let at = dir.path().join("src").join(link);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        symlink(&target, &at).unwrap();
        let errs = build_errors(&dir, &one_function());
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert_eq!(errs[0].code, "source-outside-project");
        assert!(errs[0].message.contains(link), "{}", errs[0].message);
        assert!(
            errs[0].message.contains("outside the project"),
            "{}",
            errs[0].message
        );
    }
    // A relative link that climbs out is refused the same way, and so is a link to a directory
    // outside (it would not be followed, but it is a mistake worth naming).
    let dir = Temp::new("symlink-out-rel");
    dir.write("src/index.js", b"1\n");
    symlink("../../../../../../../../etc", dir.path().join("src/etc")).unwrap();
    let errs = build_errors(&dir, &one_function());
    assert_eq!(errs[0].code, "source-outside-project");
    assert!(errs[0].message.contains("etc"), "{}", errs[0].message);
}

#[cfg(unix)]
#[test]
fn a_source_directory_or_artifact_that_resolves_outside_the_project_is_refused() {
    use std::os::unix::fs::symlink;
    let outside = Temp::new("outside-dir");
    outside.write("code/index.js", b"1\n");
    outside.write("prebuilt.zip", b"PK\x03\x04 a zip");
    let dir = Temp::new("src-link");
    symlink(outside.path().join("code"), dir.path().join("src")).unwrap();
    let errs = build_errors(&dir, &one_function());
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(errs[0].code, "source-outside-project");
    assert!(
        errs[0].message.starts_with("source \"src\" resolves to"),
        "{}",
        errs[0].message
    );

    let dir = Temp::new("artifact-link");
    symlink(
        outside.path().join("prebuilt.zip"),
        dir.path().join("api.zip"),
    )
    .unwrap();
    let errs = build_errors(&dir, &sls(&[("api", r#"artifact = "api.zip""#)]));
    assert_eq!(errs[0].code, "source-outside-project");
}

#[test]
fn a_source_that_climbs_out_of_the_project_is_an_error_in_check() {
    for path in ["../../../../../etc/ssh", "..", "src/../../x"] {
        let src = sls(&[("api", &format!("source = \"{path}\""))]);
        let json = common::check(&src);
        assert_eq!(common::codes(&json), ["source-outside-project"], "{json:#}");
        let d = &json["diagnostics"][0];
        assert_eq!(d["line"], 9, "{d:#}");
        assert_eq!(d["column"], 12, "{d:#}");
        assert!(d["help"].as_str().unwrap().contains("source_root"), "{d:#}");
    }
    let src = sls(&[("api", r#"artifact = "../dist/api.zip""#)]);
    assert_eq!(
        common::codes(&common::check(&src)),
        ["source-outside-project"]
    );
}

#[test]
fn source_root_allows_a_directory_outside_the_project_explicitly() {
    let repo = Temp::new("monorepo");
    repo.write("shared/lib/util.js", b"u\n");
    let dir_path = repo.path().join("services/api");
    std::fs::create_dir_all(&dir_path).unwrap();
    let src = APP.replace("runtime = \"nodejs22.x\"", "runtime = \"nodejs22.x\"\n  source_root = \"../..\"")
        + "\nfunction \"api\" {\n  handler = \"index.handler\"\n  source = \"../../shared/lib\"\n}\n";
    std::fs::write(dir_path.join("main.sls"), &src).unwrap();
    let opts = slsc::Options {
        today: common::TODAY.into(),
        ..Default::default()
    };
    let m = common::expect_clean(slsc::compile(&dir_path, &opts).unwrap());
    let a = only(artifacts::build(&m, &dir_path, &[]).unwrap());
    assert_eq!(names(&a.bytes), ["util.js"]);
    // Still refused beyond the root.
    let json = common::check(&(APP.replace("runtime = \"nodejs22.x\"", "runtime = \"nodejs22.x\"\n  source_root = \"..\"")
        + "\nfunction \"api\" {\n  handler = \"index.handler\"\n  source = \"../../shared\"\n}\n"));
    assert_eq!(common::codes(&json), ["source-outside-project"], "{json:#}");
    assert!(json["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("`app.source_root`"));
    // An absolute root is an error at the app block, and only there.
    let json = common::check(
        &(APP.replace(
            "runtime = \"nodejs22.x\"",
            "runtime = \"nodejs22.x\"\n  source_root = \"/\"",
        ) + "\nfunction \"api\" {\n  handler = \"index.handler\"\n  source = \"../x\"\n}\n"),
    );
    assert_eq!(common::codes(&json), ["invalid-value"], "{json:#}");
}

#[test]
fn secrets_state_caches_and_earlier_builds_are_not_packaged() {
    let dir = Temp::new("exclusions");
    write_tree(
        &dir,
        &[
            ("index.js", "1\n"),
            ("id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n"),
            ("id_ed25519", "key\n"),
            ("keys/server.pem", "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n-----BEGIN RSA PRIVATE KEY-----\ny\n"),
            ("keys/signing.key", "-----BEGIN PRIVATE KEY-----\nz\n"),
            ("keys/store.p12", "binary"),
            ("certs/rds-ca-bundle.pem", "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n"),
            ("terraform.tfstate", "{}"),
            ("infra/terraform.tfstate.backup", "{}"),
            ("pkg/__pycache__/mod.cpython-312.pyc", "pyc"),
            ("pkg/mod.py", "x = 1\n"),
            ("dist/template.json", "{}"),
            ("dist/artifacts/app-0123456789abcdef.zip", "PK"),
            ("tfout/main.tf.json", "{}"),
            ("tfout/artifacts/app-0123456789abcdef.zip", "PK"),
            ("cdk.out/manifest.json", "{}"),
            ("public/template.json", "a template that is data, not a build"),
        ],
    );
    let a = only(build(&dir, &sls(&[("api", r#"source = ".""#)])));
    assert_eq!(
        names(&a.bytes),
        [
            "certs/rds-ca-bundle.pem",
            "index.js",
            "pkg/mod.py",
            "public/template.json"
        ]
    );
}

#[test]
fn exclude_and_include_patterns_shape_the_zip_and_explain_says_why() {
    let dir = Temp::new("patterns");
    write_tree(
        &dir,
        &[
            ("src/index.js", "1\n"),
            ("src/index.js.map", "{}\n"),
            ("src/docs/guide.md", "# guide\n"),
            ("src/lib/__tests__/a.test.js", "t\n"),
            ("src/.well-known/security.txt", "contact\n"),
            ("src/.env", "SECRET=1\n"),
        ],
    );
    let src = sls(&[(
        "api",
        "source  = \"src\"\n  exclude = [\"*.map\", \"docs/**\", \"__tests__\"]\n  include = [\".well-known/**\"]",
    )]);
    let m = model(&dir, &src);
    let arts = artifacts::build_explained(&m, dir.path(), &[], true).unwrap();
    let a = &arts[0];
    assert_eq!(names(&a.bytes), [".well-known/security.txt", "index.js"]);
    let why = |p: &str| {
        a.explained
            .iter()
            .find(|(path, _)| path == p)
            .unwrap_or_else(|| panic!("{p} not explained: {:?}", a.explained))
            .1
            .clone()
    };
    assert_eq!(why("index.js"), None);
    assert_eq!(
        why("index.js.map").as_deref(),
        Some("exclude pattern \"*.map\"")
    );
    assert_eq!(
        why("docs/guide.md").as_deref(),
        Some("exclude pattern \"docs/**\"")
    );
    assert_eq!(
        why("lib/__tests__").as_deref(),
        Some("exclude pattern \"__tests__\"")
    );
    assert_eq!(why(".env").as_deref(), Some("hidden"));
    // The same source with other patterns is another zip; without patterns, the default one.
    let src2 = src.clone()
        + "\nfunction \"plain\" {\n  handler = \"index.handler\"\n  source  = \"src\"\n}\n";
    let m = model(&dir, &src2);
    let arts = artifacts::build(&m, dir.path(), &[]).unwrap();
    assert_eq!(arts.len(), 2);
    let plain = artifacts::key_for(&arts, "plain").unwrap();
    assert!(names(&plain.bytes).contains(&"index.js.map".to_string()));
    // The CLI prints the explanation.
    let o = common::slsc(
        &[
            "build",
            ".",
            "--target",
            "cloudformation",
            "--explain-artifacts",
        ],
        dir.path(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("  - index.js.map  (exclude pattern \"*.map\")"),
        "{err}"
    );
    assert!(err.contains("  + .well-known/security.txt"), "{err}");
}
