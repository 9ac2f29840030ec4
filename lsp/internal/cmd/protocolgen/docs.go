package main

import (
	"regexp"
	"strings"

	"github.com/lspkit/lspkit/lsp/internal/metamodel"
)

// linkRE matches TSDoc links: {@link Target}, {@link Target label}.
var linkRE = regexp.MustCompile(`\{@link(?:code|plain)?\s+([^}\s]+)\s*([^}]*)\}`)

// comment turns the model's documentation of an element into a Go doc
// comment, or uses fallback if there is none:
//   - {@link X} becomes the doc link [X] if X is a type, else X; a link
//     with a label becomes the label;
//   - fenced code blocks become indented (Go doc) code blocks;
//   - @since and @proposed stay visible, each tag in its own paragraph,
//     and are added from the model's since and proposed fields if the
//     text lacks them;
//   - a deprecation becomes a final "Deprecated:" paragraph, which
//     editors and linters flag.
func (g *generator) comment(d metamodel.Doc, fallback string) string {
	text := strings.TrimSpace(d.Documentation)
	if strings.HasPrefix(text, "@") || text == "" {
		// No text, maybe tags: start with the fallback.
		text = strings.TrimSpace(fallback + "\n\n" + text)
	}
	text = linkRE.ReplaceAllStringFunc(text, func(m string) string {
		sub := linkRE.FindStringSubmatch(m)
		target, label := sub[1], strings.TrimSpace(sub[2])
		switch {
		case label != "":
			return label
		case g.goNames[target] != "":
			return "[" + g.goNames[target] + "]"
		}
		return target
	})

	var lines []string
	fenced := false
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, " \t")
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```"):
			fenced = !fenced
			lines = append(lines, "")
		case fenced:
			lines = append(lines, "\t"+line)
		case strings.HasPrefix(trimmed, "@deprecated"):
			if d.Deprecated == "" {
				d.Deprecated = strings.TrimSpace(strings.TrimPrefix(trimmed, "@deprecated"))
			}
		case strings.HasPrefix(trimmed, "@"):
			// A tag starts a paragraph, so that it does not join the text.
			if n := len(lines); n > 0 && lines[n-1] != "" && !strings.HasPrefix(lines[n-1], "@") {
				lines = append(lines, "")
			}
			lines = append(lines, trimmed)
		default:
			lines = append(lines, line)
		}
	}
	if d.Since != "" && !strings.Contains(text, "@since") {
		lines = append(lines, "", "@since "+d.Since)
	}
	if d.Proposed && !strings.Contains(text, "@proposed") {
		lines = append(lines, "", "@proposed")
	}
	if d.Deprecated != "" {
		lines = append(lines, "", "Deprecated: "+d.Deprecated)
	}
	return comment(strings.Join(lines, "\n"))
}

// comment formats text as a // comment, without repeated blank lines.
func comment(text string) string {
	var b strings.Builder
	blank := false
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		switch {
		case line != "":
			b.WriteString("// " + line + "\n")
		case !blank:
			b.WriteString("//\n")
		}
		blank = line == ""
	}
	return b.String()
}
