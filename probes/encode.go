package probes

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/edgerig/edgerig/sample"
)

// AppendRecord appends rec's wire line (without the newline) to b: the same
// bytes as sample.Encode, without its reflection and per-tick allocations
// (encoding/json sorts each map's keys into a fresh slice and boxes every
// value). A test holds the two byte-identical.
func AppendRecord(b []byte, rec sample.Record) ([]byte, error) {
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, sample.Version, 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, rec.Seq, 10)
	b = append(b, `,"t":`...)
	b = strconv.AppendInt(b, rec.TimeMS, 10)
	b = append(b, `,"s":`...)
	if rec.Series == nil {
		return append(b, "null}"...), nil
	}
	b = append(b, '[')
	var keys [16]string
	for i, s := range rec.Series {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"k":`...)
		b = appendString(b, string(s.Kind))
		if s.Label != "" {
			b = append(b, `,"l":`...)
			b = appendString(b, s.Label)
		}
		b = append(b, `,"m":`...)
		if s.Values == nil {
			b = append(b, "null}"...)
			continue
		}
		ks := keys[:0]
		for k := range s.Values {
			ks = append(ks, k)
		}
		if len(ks) <= len(keys) {
			insertionSort(ks)
		} else {
			sort.Strings(ks)
		}
		b = append(b, '{')
		for j, k := range ks {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			v := s.Values[k]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return b, fmt.Errorf("encode sample %d: %s %s = %v", rec.Seq, s.Kind, k, v)
			}
			b = appendFloat(b, v)
		}
		b = append(b, "}}"...)
	}
	return append(b, "]}"...), nil
}

func insertionSort(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// appendFloat formats like encoding/json: shortest representation, 'f'
// between 1e-6 and 1e21, else 'e' with a two-digit exponent trimmed.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// plain says whether c stands for itself in a JSON string as encoding/json
// writes it: printable ASCII other than the quote, the backslash and the
// HTML-escaped <, > and &.
func plain(c byte) bool {
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
}

// appendString quotes s like encoding/json with HTML escaping (its
// default): <, > and & and control characters as \u00XX, invalid UTF-8 as
// \ufffd, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		// Runs of bytes that need no escaping (every byte of a container
		// ID or a metric name) are copied at once.
		j := i
		for j < len(s) && plain(s[j]) {
			j++
		}
		if j > i {
			b = append(b, s[i:j]...)
			i = j
			continue
		}
		c := s[i]
		if c < 0x80 {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0xFFFD && size == 1:
			b = append(b, `\ufffd`...)
		case r == 0x2028 || r == 0x2029:
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
