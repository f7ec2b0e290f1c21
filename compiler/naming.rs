//! Names slsc derives: the stem of logical IDs (CloudFormation) and the physical names of
//! resources (SPEC §3: `{app}-{stage}-{name}`, `.fifo` for FIFO queues and topics, buckets in
//! lower case). A leaf module: it depends on nothing else in the crate, so the model
//! (collision checks, `Model::physical_name`), the emitters, the rules (`name-too-long`) and the
//! plan all derive names the same way.

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

/// The physical name of a block: `{app}-{stage}-{name}`.
pub fn physical(app: &str, stage: &str, name: &str) -> String {
    format!("{app}-{stage}-{name}")
}

/// A queue's or topic's name: FIFO ones end in `.fifo`, as AWS requires.
pub fn with_fifo_suffix(mut physical: String, fifo: bool) -> String {
    if fifo {
        physical.push_str(".fifo");
    }
    physical
}

/// A bucket's name before the account id the emitters append: lower case, `_` → `-` (bucket
/// names are global and allow neither).
pub fn bucket_base(physical: &str) -> String {
    physical.to_ascii_lowercase().replace('_', "-")
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
