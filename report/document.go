package report

import (
	"fmt"
	"math"
	"strings"
)

// Block is one piece of a document, rendered alike into Markdown and into
// the PDF. Exactly one of its fields is set.
type Block struct {
	Heading    string   // a section heading
	Subheading string   // a heading within a section
	Text       string   // a paragraph; **bold** and `code` as in Markdown
	List       []string // a bulleted list
	Table      *Table
	Figure     *Figure
}

// Section renders one part of the report from the aggregate. The report
// is a list of them (DefaultSections); an experiment adds its own tables
// by appending a Section to Options.Sections, which the Markdown and PDF
// documents then both show.
type Section func(a *Aggregate) []Block

// Table is a table of a document: headings, which columns are numeric
// (right-aligned), and rows of already formatted cells.
type Table struct {
	Head  []string
	Right []bool
	Rows  [][]string
}

// NewTable makes a table; a heading starting with '>' marks a numeric,
// right-aligned column.
func NewTable(cols ...string) *Table {
	t := &Table{}
	for _, c := range cols {
		t.Right = append(t.Right, strings.HasPrefix(c, ">"))
		t.Head = append(t.Head, strings.TrimPrefix(c, ">"))
	}
	return t
}

// Add appends a row.
func (t *Table) Add(cells ...string) { t.Rows = append(t.Rows, cells) }

// Markdown renders the table padded to column width, so that it also
// reads as a table in plain text.
func (t *Table) Markdown() string {
	width := make([]int, len(t.Head))
	for i, h := range t.Head {
		width[i] = max(len([]rune(h)), 3)
	}
	for _, r := range t.Rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i, c := range cells {
			c = mdCell(c)
			pad := strings.Repeat(" ", max(width[i]-len([]rune(c)), 0))
			if t.Right[i] {
				b.WriteString(" " + pad + c + " |")
			} else {
				b.WriteString(" " + c + pad + " |")
			}
		}
		b.WriteString("\n")
	}
	line(t.Head)
	b.WriteString("|")
	for i := range t.Head {
		if t.Right[i] {
			b.WriteString(" " + strings.Repeat("-", width[i]-1) + ": |")
		} else {
			b.WriteString(" " + strings.Repeat("-", width[i]) + " |")
		}
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		line(r)
	}
	return b.String()
}

// Num formats v with prec decimals; NaN (no value) as a dash.
func Num(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return fmt.Sprintf("%.*f", prec, v)
}

// mdCell escapes what would break a Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// markdown renders the blocks as report.md. Figures are linked as their
// PNG, with the SVG and vector PDF beside.
func markdown(title string, blocks []Block) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", title)
	for _, bl := range blocks {
		switch {
		case bl.Heading != "":
			fmt.Fprintf(&b, "\n## %s\n", bl.Heading)
		case bl.Subheading != "":
			fmt.Fprintf(&b, "\n### %s\n", bl.Subheading)
		case bl.Text != "":
			fmt.Fprintf(&b, "\n%s\n", bl.Text)
		case bl.List != nil:
			b.WriteString("\n")
			for _, it := range bl.List {
				fmt.Fprintf(&b, "- %s\n", it)
			}
		case bl.Table != nil:
			b.WriteString("\n" + bl.Table.Markdown())
		case bl.Figure != nil:
			f := bl.Figure
			fmt.Fprintf(&b, "\n![%s](%s.png)  \n*%s* [SVG](%s.svg) · [PDF](%s.pdf)\n", f.Title, f.Name, f.Caption, f.Name, f.Name)
		}
	}
	return b.String()
}
