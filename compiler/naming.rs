//! Names slsc derives: logical IDs (CloudFormation) and Terraform names from block names. A leaf
//! module: it depends on nothing else in the crate, so the model (collision checks), the
//! emitters, the rules and the plan all derive names the same way.

/// PascalCase of a snake_case name: `send_email` → `SendEmail` (the stem of every logical ID:
/// `SendEmailFunction`, `SendEmailFunctionRole`, …).
pub fn pascal(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn pascal_case() {
        assert_eq!(super::pascal("send_email"), "SendEmail");
        assert_eq!(super::pascal("a_1"), "A1");
        assert_eq!(super::pascal("x"), "X");
    }
}
