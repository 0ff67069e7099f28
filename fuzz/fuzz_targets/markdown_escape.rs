//! Any text, escaped for a Markdown table cell (`render::markdown::md`) and quoted in a code
//! block (`render::markdown::code_block`), read back by a CommonMark/GFM parser: no HTML, link
//! or image comes out of it, the table row keeps its two cells with the text shown as it is
//! (control characters made visible, backticks as apostrophes), and the code block holds the
//! text and ends where it should.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logtriage::render::{markdown, sanitize};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let doc = format!(
        "| a | b |\n|---|---|\n| {} | x |\n\n{}\nafter\n",
        markdown::md(s),
        markdown::code_block(s)
    );
    let (mut cells, mut first_cell, mut code) = (0, String::new(), String::new());
    let (mut in_body, mut in_cell, mut in_code, mut after) = (false, false, false, false);
    for e in Parser::new_ext(&doc, Options::ENABLE_TABLES) {
        match e {
            Event::Html(h) | Event::InlineHtml(h) => panic!("HTML {h:?} from {s:?}\n{doc}"),
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => panic!("a link from {s:?}"),
            Event::Start(Tag::TableRow) => in_body = true,
            Event::Start(Tag::TableCell) if in_body => {
                cells += 1;
                in_cell = cells == 1;
            }
            Event::End(TagEnd::TableCell) => in_cell = false,
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(t) if in_code => code.push_str(&t),
            Event::Text(t) | Event::Code(t) if in_cell => first_cell.push_str(&t),
            Event::Text(t) if !in_body || cells >= 2 => after |= &*t == "after",
            _ => {}
        }
    }
    assert_eq!(cells, 2, "{s:?}\n{doc}");
    let shown = sanitize(s).replace('`', "'");
    assert_eq!(first_cell.trim(), shown.trim(), "{doc}");
    assert_eq!(code, format!("{}\n", sanitize(s)), "{doc}");
    assert!(after, "the code block ran on: {doc}");
});
