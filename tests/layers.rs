//! Lambda layers (`layer "NAME"`): a directory packaged into a deterministic zip, referenced
//! from `function.layers` next to layer ARNs.

mod common;

use common::temp::Temp;
use common::{codes, slsc};
use serde_json::Value;

const APP: &str = "app \"shop\" {\n  region = \"eu-west-1\"\n}\n";

/// A project on disk with a layer directory and a function source.
fn project(src: &str) -> Temp {
    let t = Temp::new("layers");
    t.write("app.sls", format!("{APP}{src}").as_bytes());
    t.write("layer/nodejs/util.js", b"module.exports = {};\n");
    t.write("src/index.js", b"exports.handler = async () => ({});\n");
    t
}

const LAYERED: &str = "\nlayer \"shared\" {\n  source              = \"layer\"\n  compatible_runtimes = [\"nodejs24.x\"]\n}\n\nfunction \"api\" {\n  handler     = \"index.handler\"\n  source      = \"src\"\n  concurrency = 2\n  layers      = [layer.shared, \"arn:aws:lambda:eu-west-1:123456789012:layer:other:3\"]\n}\n";

#[test]
fn a_layer_is_packaged_and_referenced_in_both_targets() {
    let t = project(LAYERED);
    let tpl = common::build::main_json(t.path(), "cloudformation");
    let layer = &tpl["Resources"]["SharedLayer"];
    assert_eq!(layer["Type"], "AWS::Lambda::LayerVersion");
    let key = layer["Properties"]["Content"]["S3Key"].as_str().unwrap();
    assert!(
        t.path().join("cloudformation").join(key).is_file(),
        "{key} is written"
    );
    let layers = &tpl["Resources"]["ApiFunction"]["Properties"]["Layers"];
    assert_eq!(layers[0], serde_json::json!({"Ref": "SharedLayer"}));

    let tf = common::build::main_json(t.path(), "terraform");
    let l = &tf["resource"]["aws_lambda_layer_version"]["shared"];
    assert_eq!(l["layer_name"], "shop-dev-shared");
    assert_eq!(
        tf["resource"]["aws_lambda_function"]["api"]["layers"][0],
        "${aws_lambda_layer_version.shared.arn}"
    );
    // The zip is deterministic: a second build writes the same key.
    let again = slsc(
        &["build", ".", "--target", "cloudformation", "--out", "cf2"],
        t.path(),
    );
    assert!(again.status.success());
    let tpl2: Value =
        serde_json::from_slice(&std::fs::read(t.path().join("cf2/template.json")).unwrap())
            .unwrap();
    assert_eq!(
        tpl2["Resources"]["SharedLayer"],
        tpl["Resources"]["SharedLayer"]
    );
}

#[test]
fn layer_mistakes() {
    for (src, want) in [
        ("\nlayer \"l\" {}\n", "missing-attribute"),
        ("\nlayer \"l\" {\n  source = \"nowhere\"\n}\n", "source-not-found"),
        (
            "\nlayer \"l\" {\n  source              = \"layer\"\n  compatible_runtimes = [\"nodejs24.x\", \"nodejs24.x\"]\n}\n",
            "invalid-value",
        ),
        (
            "\nqueue \"q\" {}\n\nfunction \"f\" {\n  handler     = \"index.handler\"\n  source      = \"src\"\n  concurrency = 1\n  layers      = [queue.q]\n  sends       = [queue.q]\n}\n",
            "type-mismatch",
        ),
    ] {
        let t = project(src);
        let out = slsc(&["check", ".", "--format", "json"], t.path());
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(codes(&json), [want], "{src}: {json:#}");
    }
}
