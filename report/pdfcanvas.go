package report

import (
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgpdf"
)

// pdfCanvas hands text to gonum's PDF canvas in the code page its fonts
// are encoded in (Windows-1252): vgpdf passes strings through as bytes, so
// UTF-8 "—", "±" or "µ" would print as mojibake. Runes outside the code
// page become '?'.
type pdfCanvas struct{ *vgpdf.Canvas }

// FillString implements vg.Canvas.
func (c pdfCanvas) FillString(f font.Face, pt vg.Point, s string) {
	if enc, err := encoding.ReplaceUnsupported(charmap.Windows1252.NewEncoder()).String(s); err == nil {
		s = enc
	}
	c.Canvas.FillString(f, pt, s)
}
