package events

// Validators for the canonical readers. Validate of some hot types
// allocates even when the payload is valid (checkEnum's variadic list,
// the names of evidence and sealed fields); these functions report the same verdict
// without allocating, and TestCanonicalValidators checks that they agree
// with Validate. They are used only to accept: a payload they refuse takes
// the strict path, which reports Validate's error. Its strings are valid
// UTF-8, as the reader's always are (slices of a valid payload between
// ASCII quotes), so the validators do not check it again.

// valid reports whether p.Validate() returns nil.
func valid(p Payload) bool {
	switch p := p.(type) {
	case *CaseReported:
		return validReported(p)
	case *CaseDispatched:
		return validDispatched(p)
	case *CaseContacted:
		return idOK(p.Unit, true) && (p.Means == MeansPhone || p.Means == MeansVisit || p.Means == MeansSMS || p.Means == MeansApp || p.Means == MeansOther)
	case *CaseResolved:
		return validResolved(p)
	case *CaseReopened:
		return textOK(p.Reason, true) && (p.By == ReopenByCitizen || p.By == ReopenByHotline || p.By == ReopenBySupervisor)
	case *CaseRated:
		return validRated(p)
	}
	return p.Validate() == nil
}

func validReported(p *CaseReported) bool {
	l := &p.Location
	switch {
	case !oneOf(p.Channel, Channels), !idOK(p.Category, true), !idOK(p.Reporter, false), !personalOK(p.Description), !idOK(p.DeadlinePolicy, true):
		return false
	case l.Street == "" && l.Community == "" && l.Grid == "":
		return false
	case !idOK(l.Street, false), !idOK(l.Community, false), !idOK(l.Grid, false), !personalOK(l.Address):
		return false
	case (l.Lat == nil) != (l.Lon == nil):
		return false
	}
	return l.Lat == nil || *l.Lat >= -90 && *l.Lat <= 90 && *l.Lon >= -180 && *l.Lon <= 180
}

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

func validDispatched(p *CaseDispatched) bool {
	switch {
	case !idOK(p.FromUnit, true), !idOK(p.ToUnit, true), p.FromUnit == p.ToUnit:
		return false
	case p.Mode != ModeRule && p.Mode != ModeManual && p.Mode != ModeFallback && p.Mode != ModeForced:
		return false
	case p.Mode == ModeRule && (p.RuleID == "" || p.ListVersion <= 0), p.ListVersion < 0:
		return false
	}
	return idOK(p.RuleID, false) && textOK(p.Note, false)
}

func validResolved(p *CaseResolved) bool {
	switch p.Outcome {
	case OutcomeFixed, OutcomeExplained, OutcomeNoAction, OutcomeDuplicate, OutcomeNotOurDuty:
	default:
		return false
	}
	if !idOK(p.Unit, true) || (p.Outcome == OutcomeDuplicate) != (p.DuplicateOf != "") || !idOK(p.DuplicateOf, false) || len(p.Evidence) > 64 {
		return false
	}
	for _, r := range p.Evidence {
		if !textOK(r, true) {
			return false
		}
	}
	return textOK(p.Summary, false)
}

func validRated(p *CaseRated) bool {
	if p.Valid || p.Satisfaction != "" {
		if p.Satisfaction != Satisfied && p.Satisfaction != Basically && p.Satisfaction != Unsatisfied {
			return false
		}
	}
	if p.Valid == (p.InvalidReason != "") {
		return false
	}
	return textOK(p.InvalidReason, false) && idOK(p.Respondent, false) && personalOK(p.Comment)
}

// personalOK reports whether Personal.Validate accepts p.
func personalOK(p Personal) bool {
	if p.Sealed == nil {
		return textOK(p.Text, false)
	}
	n := len(p.Sealed.Box)
	return p.Text == "" && idOK(p.Sealed.Subject, true) && n >= 12+16 && n <= MaxSealedBytes
}

// idOK reports whether checkID accepts s, valid UTF-8.
func idOK(s string, required bool) bool {
	if s == "" {
		return !required
	}
	if len(s) > MaxIDBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		// In valid UTF-8 a byte below 0x80 is a whole rune.
		if c := s[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// textOK reports whether checkText accepts s, valid UTF-8.
func textOK(s string, required bool) bool {
	if s == "" {
		return !required
	}
	return len(s) <= MaxTextBytes
}
