package submit

import "strings"

// filler is the text around a file's token: plain words, so that the job
// counts words as it would in the paper's text files.
var filler = strings.Fields(`edge cluster stream batch spark hadoop file word count
raspberry node worker master delay sensor reading value collector driver
interval poll queue data block name replica rename create write`)

// Content returns exactly size bytes: the token, then filler words, blank
// separated, ending in a newline. The token always comes first so that a
// file too small for filler still carries it (whole, when size allows).
func Content(token string, size int) []byte {
	var b strings.Builder
	b.Grow(size + 16)
	b.WriteString(token)
	for i := 0; b.Len() < size-1; i++ {
		b.WriteByte(' ')
		b.WriteString(filler[i%len(filler)])
	}
	s := b.String()
	if len(s) > size-1 {
		s = s[:max(size-1, 0)]
	}
	if size > 0 {
		s += "\n"
	}
	return []byte(s)
}
