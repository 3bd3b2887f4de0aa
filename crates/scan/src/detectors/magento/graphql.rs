//! `etc/schema.graphqls`: GraphQL queries and mutations, and whether their
//! resolvers ever ask who is calling.
//!
//! Magento's GraphQL has no declarative ACL: a field is open to everyone
//! unless its resolver reads the context user and refuses. So for every
//! root field with `@resolver(class: …)` whose class is in the extension,
//! we look for any of the calls a resolver uses to check its caller. The
//! look is a token search over the class source with comments and `use`
//! imports removed (the PHP family owns the parser; "is any auth call made
//! at all" needs none). A resolver that delegates the check to another
//! class is missed by this reading and reported; the finding's medium
//! confidence says so.

use apollo_parser::cst::{self, CstNode};
use apollo_parser::Parser;

use super::classes;
use super::lexicon;
use super::rules::GRAPHQL_RESOLVER_NO_AUTH;
use super::xml::{shorten, unreadable};
use super::Report;
use crate::capability::CapabilityKind;
use crate::finding::{Finding, Location, Severity};

/// Calls and types that show a resolver checks its caller.
const AUTH_TOKENS: &[&str] = &[
    "getUserId(",
    "getUserType(",
    "getIsCustomer(",
    "isLoggedIn(",
    "GraphQlAuthorizationException",
    "CustomerSessionInterface",
    "GetCustomer",
    "isAllowed(",
];

/// One root field (`Query.x` or `Mutation.x`).
struct RootField {
    operation: &'static str,
    name: String,
    return_type: String,
    arguments: Vec<String>,
    resolver: Option<String>,
    offset: usize,
    snippet: String,
}

/// Checks one schema file.
pub fn check(text: &str, report: &mut Report) {
    let tree = Parser::new(text).parse();
    if let Some(err) = tree.errors().next() {
        let at = Location::at_offset(report.path, text, err.index());
        let why = format!("GraphQL syntax error: {}", err.message());
        report.out.finding(unreadable(at, &why));
    }
    for field in root_fields(&tree.document(), text) {
        report.capability(
            CapabilityKind::Endpoint,
            format!("{}:{}", field.operation, field.name),
        );
        if let Some(class) = &field.resolver {
            check_resolver(&field, class, text, report);
        }
    }
}

fn check_resolver(field: &RootField, class: &str, text: &str, report: &mut Report) {
    let Some(source) = classes::find(report.ext, report.path, class) else {
        tracing::debug!(class, "resolver class is not in the extension; not judged");
        return;
    };
    let code = classes::without_imports(&source.code);
    if let Some(token) = AUTH_TOKENS.iter().find(|t| code.contains(*t)) {
        tracing::debug!(field = field.name, token, "resolver checks its caller");
        return;
    }
    let (severity, about) = weight(field);
    let message = format!(
        "GraphQL {} `{}` is resolved by {class} ({}), which never checks who is calling{about}",
        field.operation, field.name, source.path
    );
    let at = Location::at_offset(report.path, text, field.offset);
    let evidence = format!("{}:{} resolver={class}", field.operation, field.name);
    let finding = Finding::new(
        &GRAPHQL_RESOLVER_NO_AUTH,
        at,
        message,
        &field.snippet,
        &evidence,
    );
    report.finding(finding.with_severity(severity));
}

/// How much an open field weighs: high when its name or type is about
/// personal data or it takes a personal record's id; info otherwise,
/// since catalogue-like queries (store hours, product badges) are public
/// by design.
fn weight(field: &RootField) -> (Severity, String) {
    if let Some(word) = lexicon::personal_hint([field.name.as_str(), &field.return_type]) {
        return (Severity::High, format!(" and returns {word} data"));
    }
    if let Some(id) = field
        .arguments
        .iter()
        .find(|a| lexicon::is_personal_id_name(a))
    {
        return (Severity::High, format!(" and takes `{id}` from the caller"));
    }
    (
        Severity::Info,
        "; check that it is meant to be public".to_string(),
    )
}

/// The fields of `type Query`/`type Mutation` and their extensions.
fn root_fields(doc: &cst::Document, text: &str) -> Vec<RootField> {
    let mut out = Vec::new();
    for def in doc.definitions() {
        let (name, fields) = match def {
            cst::Definition::ObjectTypeDefinition(t) => (t.name(), t.fields_definition()),
            cst::Definition::ObjectTypeExtension(t) => (t.name(), t.fields_definition()),
            _ => continue,
        };
        let operation = match name.as_ref().map(|n| n.text()) {
            Some(n) if n == "Query" => "query",
            Some(n) if n == "Mutation" => "mutation",
            _ => continue,
        };
        let Some(fields) = fields else { continue };
        for field in fields.field_definitions() {
            if let Some(read) = read_field(&field, operation, text) {
                out.push(read);
            }
        }
    }
    out
}

fn read_field(
    field: &cst::FieldDefinition,
    operation: &'static str,
    text: &str,
) -> Option<RootField> {
    let name = field.name()?;
    let offset = usize::from(name.syntax().text_range().start());
    let line = text[offset..].lines().next().unwrap_or("");
    Some(RootField {
        operation,
        name: name.text().to_string(),
        return_type: field.ty().and_then(named_type).unwrap_or_default(),
        arguments: field
            .arguments_definition()
            .map(|args| {
                let names = args.input_value_definitions().filter_map(|a| a.name());
                names.map(|n| n.text().to_string()).collect()
            })
            .unwrap_or_default(),
        resolver: resolver_class(field),
        offset,
        snippet: shorten(line.trim(), 160),
    })
}

/// The innermost named type of `[Prescription!]!`.
fn named_type(ty: cst::Type) -> Option<String> {
    match ty {
        cst::Type::NamedType(n) => Some(n.name()?.text().to_string()),
        cst::Type::ListType(l) => named_type(l.ty()?),
        cst::Type::NonNullType(n) => match (n.named_type(), n.list_type()) {
            (Some(named), _) => Some(named.name()?.text().to_string()),
            (None, Some(list)) => named_type(list.ty()?),
            (None, None) => None,
        },
    }
}

/// The `class` argument of the field's `@resolver` directive.
fn resolver_class(field: &cst::FieldDefinition) -> Option<String> {
    let directive = field
        .directives()?
        .directives()
        .find(|d| d.name().is_some_and(|n| n.text() == "resolver"))?;
    let argument = directive
        .arguments()?
        .arguments()
        .find(|a| a.name().is_some_and(|n| n.text() == "class"))?;
    match argument.value()? {
        cst::Value::StringValue(s) => Some(String::from(&s)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_files, codes_at};
    use crate::finding::Severity;

    const SCHEMA: &str = "type Query {\n    patientRecords(id: Int!): [Record]\n        \
        @resolver(class: \"Acme\\\\Rx\\\\Model\\\\Resolver\\\\Records\")\n    \
        storeHours: String @resolver(class: \"Acme\\\\Rx\\\\Model\\\\Resolver\\\\Hours\")\n}\n\
        extend type Mutation {\n    refill(id: Int!): Boolean \
        @resolver(class: \"Acme\\\\Rx\\\\Model\\\\Resolver\\\\Refill\")\n}\n";

    const OPEN: &str = "<?php\nuse Magento\\Framework\\GraphQl\\Exception\\\
        GraphQlAuthorizationException;\nclass Records {\n  public function resolve($f, \
        $context, $i, $v = null, $args = null) {\n    // $context->getUserId() is not needed\n    \
        return $this->repo->get($args['id']);\n  }\n}\n";

    const CHECKED: &str = "<?php\nclass Refill {\n  public function resolve($f, $context) {\n    \
        if (!$context->getExtensionAttributes()->getIsCustomer()) { throw new \
        GraphQlAuthorizationException(__('No')); }\n  }\n}\n";

    fn run() -> crate::detector::Sink {
        check_files(&[
            ("etc/schema.graphqls", SCHEMA),
            ("Model/Resolver/Records.php", OPEN),
            (
                "Model/Resolver/Hours.php",
                "<?php class Hours { function resolve() {} }",
            ),
            ("Model/Resolver/Refill.php", CHECKED),
        ])
    }

    #[test]
    fn an_unchecked_resolver_of_personal_data_is_high_at_the_field() {
        let out = run();
        let codes = codes_at(&out);
        assert_eq!(codes[0], ("graphql-resolver-no-auth", 2));
        assert_eq!(out.findings[0].severity, Severity::High);
    }

    #[test]
    fn an_unchecked_resolver_of_public_data_is_only_info() {
        let out = run();
        assert_eq!(codes_at(&out)[1], ("graphql-resolver-no-auth", 4));
        assert_eq!(out.findings[1].severity, Severity::Info);
    }

    #[test]
    fn an_unchecked_resolver_taking_a_customer_id_is_high() {
        let schema = "type Query {\n  lookup(customerId: Int!): String \
                      @resolver(class: \"Acme\\\\Rx\\\\Model\\\\Resolver\\\\Hours\")\n}";
        let out = check_files(&[
            ("etc/schema.graphqls", schema),
            (
                "Model/Resolver/Hours.php",
                "<?php class Hours { function resolve() {} }",
            ),
        ]);
        assert_eq!(codes_at(&out), [("graphql-resolver-no-auth", 2)]);
        assert_eq!(out.findings[0].severity, Severity::High);
    }

    #[test]
    fn a_resolver_that_checks_its_caller_is_not_a_finding() {
        let out = run();
        assert_eq!(out.findings.len(), 2);
        let values: Vec<&str> = out.capabilities.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(
            values,
            [
                "query:patientRecords",
                "query:storeHours",
                "mutation:refill"
            ]
        );
    }

    #[test]
    fn a_resolver_outside_the_extension_is_not_judged() {
        let schema = "type Query { orders: [O] @resolver(class: \"Magento\\\\X\\\\Orders\") }";
        let out = check_files(&[("etc/schema.graphqls", schema)]);
        assert!(out.findings.is_empty());
    }

    #[test]
    fn a_broken_schema_is_unreadable() {
        let out = check_files(&[("etc/schema.graphqls", "type Query {\n  a: \n")]);
        assert!(codes_at(&out)
            .iter()
            .any(|(code, _)| *code == "file-unreadable"));
    }
}
