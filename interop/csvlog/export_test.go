package csvlog

// EscapeCell and UnescapeCell expose the formula quoting to tests.
var (
	EscapeCell   = escapeCell
	UnescapeCell = unescapeCell
)

// CleanID exposes id cleaning to tests.
var CleanID = cleanID
