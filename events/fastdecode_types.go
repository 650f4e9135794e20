package events

// The canonical readers, one per type DecodeStored reads without
// encoding/json. Each accepts the keys of its struct in declaration order,
// any of them absent (an absent key leaves the zero value, as in
// encoding/json), and returns nil on anything else. A reader that returns
// a payload has read the whole input.

func (s *scanner) caseReported() Payload {
	var (
		channel                 string
		category, reporter, pol span
		loc                     location
		desc                    personal
	)
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "channel":
			s.order(&last, 0)
			channel = s.enum(Channels...)
		case "category":
			s.order(&last, 1)
			category = s.str()
		case "location":
			s.order(&last, 2)
			loc = s.location()
		case "reporter":
			s.order(&last, 3)
			reporter = s.str()
		case "description":
			s.order(&last, 4)
			desc = s.personal()
		case "deadline_policy":
			s.order(&last, 5)
			pol = s.str()
		default:
			s.fail()
		}
	}
	if !s.end() {
		return nil
	}
	return &CaseReported{
		Channel:  channel,
		Category: s.get(category),
		Location: Location{
			Street:    s.get(loc.street),
			Community: s.get(loc.community),
			Grid:      s.get(loc.grid),
			Address:   s.getPersonal(loc.address),
			Lat:       loc.lat,
			Lon:       loc.lon,
		},
		Reporter:       s.get(reporter),
		Description:    s.getPersonal(desc),
		DeadlinePolicy: s.get(pol),
	}
}

// location is a Location being read.
type location struct {
	street, community, grid span
	address                 personal
	lat, lon                *float64
}

func (s *scanner) location() location {
	var l location
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "street":
			s.order(&last, 0)
			l.street = s.str()
		case "community":
			s.order(&last, 1)
			l.community = s.str()
		case "grid":
			s.order(&last, 2)
			l.grid = s.str()
		case "address":
			s.order(&last, 3)
			l.address = s.personal()
		case "lat":
			s.order(&last, 4)
			l.lat = s.number()
		case "lon":
			s.order(&last, 5)
			l.lon = s.number()
		default:
			s.fail()
		}
	}
	return l
}

func (s *scanner) caseDispatched() Payload {
	var (
		from, to, rule, note span
		mode                 string
		version              int
	)
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "from_unit":
			s.order(&last, 0)
			from = s.str()
		case "to_unit":
			s.order(&last, 1)
			to = s.str()
		case "mode":
			s.order(&last, 2)
			mode = s.enum(ModeRule, ModeManual, ModeFallback, ModeForced)
		case "rule_id":
			s.order(&last, 3)
			rule = s.str()
		case "list_version":
			s.order(&last, 4)
			version = s.integer()
		case "note":
			s.order(&last, 5)
			note = s.str()
		default:
			s.fail()
		}
	}
	if !s.end() {
		return nil
	}
	return &CaseDispatched{FromUnit: s.get(from), ToUnit: s.get(to), Mode: mode, RuleID: s.get(rule), ListVersion: version, Note: s.get(note)}
}

func (s *scanner) caseReturned() Payload {
	var (
		unit, suggested, note span
		reason                string
	)
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "unit":
			s.order(&last, 0)
			unit = s.str()
		case "reason":
			s.order(&last, 1)
			reason = s.enum(ReturnReasons...)
		case "suggested_unit":
			s.order(&last, 2)
			suggested = s.str()
		case "note":
			s.order(&last, 3)
			note = s.str()
		default:
			s.fail()
		}
	}
	if !s.end() {
		return nil
	}
	return &CaseReturned{Unit: s.get(unit), Reason: reason, SuggestedUnit: s.get(suggested), Note: s.get(note)}
}

func (s *scanner) caseAccepted() Payload {
	var unit span
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "unit":
			s.order(&last, 0)
			unit = s.str()
		default:
			s.fail()
		}
	}
	if !s.end() {
		return nil
	}
	return &CaseAccepted{Unit: s.get(unit)}
}

func (s *scanner) caseContacted() Payload {
	var (
		unit  span
		means string
	)
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "unit":
			s.order(&last, 0)
			unit = s.str()
		case "means":
			s.order(&last, 1)
			means = s.enum(MeansPhone, MeansVisit, MeansSMS, MeansApp, MeansOther)
		default:
			s.fail()
		}
	}
	if !s.end() {
		return nil
	}
	return &CaseContacted{Unit: s.get(unit), Means: means}
}

func (s *scanner) caseExtended() Payload {
	var p CaseExtended
	var reason, approver span
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "new_deadline":
			s.order(&last, 0)
			p.NewDeadline = s.timestamp()
		case "reason":
			s.order(&last, 1)
			reason = s.str()
		case "approved_by":
			s.order(&last, 2)
			approver = s.str()
		default:
			s.fail()
		}
	}
	if !s.end() {
		return nil
	}
	p.Reason, p.ApprovedBy = s.get(reason), s.get(approver)
	return &p
}

func (s *scanner) caseResolved() Payload {
	var (
		unit, dup, summary span
		outcome            string
		evidence           []span
		spans              [8]span
	)
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "unit":
			s.order(&last, 0)
			unit = s.str()
		case "outcome":
			s.order(&last, 1)
			outcome = s.enum(OutcomeFixed, OutcomeExplained, OutcomeNoAction, OutcomeDuplicate, OutcomeNotOurDuty)
		case "duplicate_of":
			s.order(&last, 2)
			dup = s.str()
		case "evidence":
			s.order(&last, 3)
			evidence = s.strs(spans[:0])
		case "summary":
			s.order(&last, 4)
			summary = s.str()
		default:
			s.fail()
		}
	}
	if !s.end() {
		return nil
	}
	p := &CaseResolved{Unit: s.get(unit), Outcome: outcome, DuplicateOf: s.get(dup), Summary: s.get(summary)}
	if evidence != nil {
		p.Evidence = make([]string, len(evidence))
		for i, sp := range evidence {
			p.Evidence[i] = s.get(sp)
		}
	}
	return p
}

func (s *scanner) caseReopened() Payload {
	var (
		reason span
		by     string
	)
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "reason":
			s.order(&last, 0)
			reason = s.str()
		case "by":
			s.order(&last, 1)
			by = s.enum(ReopenByCitizen, ReopenByHotline, ReopenBySupervisor)
		default:
			s.fail()
		}
	}
	if !s.end() {
		return nil
	}
	return &CaseReopened{Reason: s.get(reason), By: by}
}

func (s *scanner) caseRated() Payload {
	var (
		contacted, solved, valid bool
		satisfaction             string
		invalidReason, resp      span
		comment                  personal
	)
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "contacted":
			s.order(&last, 0)
			contacted = s.boolean()
		case "solved":
			s.order(&last, 1)
			solved = s.boolean()
		case "satisfaction":
			s.order(&last, 2)
			satisfaction = s.enum(Satisfied, Basically, Unsatisfied)
		case "valid":
			s.order(&last, 3)
			valid = s.boolean()
		case "invalid_reason":
			s.order(&last, 4)
			invalidReason = s.str()
		case "comment":
			s.order(&last, 5)
			comment = s.personal()
		case "respondent":
			s.order(&last, 6)
			resp = s.str()
		default:
			s.fail()
		}
	}
	if !s.end() {
		return nil
	}
	return &CaseRated{
		Contacted: contacted, Solved: solved, Satisfaction: satisfaction, Valid: valid,
		InvalidReason: s.get(invalidReason), Comment: s.getPersonal(comment), Respondent: s.get(resp),
	}
}

func (s *scanner) caseMerged() Payload {
	var parent span
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "parent":
			s.order(&last, 0)
			parent = s.str()
		default:
			s.fail()
		}
	}
	if !s.end() {
		return nil
	}
	return &CaseMerged{Parent: s.get(parent)}
}

func (s *scanner) caseClosed() Payload {
	var note span
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "note":
			s.order(&last, 0)
			note = s.str()
		default:
			s.fail()
		}
	}
	if !s.end() {
		return nil
	}
	return &CaseClosed{Note: s.get(note)}
}

func (s *scanner) ballotCast() Payload {
	var voter, choice span
	s.open()
	for n, last := 0, -1; s.next(n); n++ {
		switch string(s.key) {
		case "voter":
			s.order(&last, 0)
			voter = s.str()
		case "choice":
			s.order(&last, 1)
			choice = s.str()
		default:
			s.fail()
		}
	}
	if !s.end() {
		return nil
	}
	return &BallotCast{Voter: s.get(voter), Choice: s.get(choice)}
}
