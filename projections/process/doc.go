// Package process mines the case lifecycle as a process: it answers "which
// paths do cases really take, where do they loop, and who passes them to
// whom", from the events alone.
//
// The package has two layers.
//
// Log is a core that knows nothing of govledger's vocabulary: events are
// (case id, activity, resource, time), added in each case's order, and
// End(case) folds a finished case into aggregates and frees its state.
// A Log serializes deterministically (AppendBinary, UnmarshalLog) and
// merges (Merge).
//
// Imported logs (govledger import xes|csv|open311) feed it too. An
// activity.recorded event is an activity under its own name ("Register",
// "Approve", ...), performed by its org:group, else its org:resource: on
// a trace stream (trace/<id>) the first event opens the case and the one
// marked last ends it; on a case stream it joins the case's trace.
//
// Projection ("process/v1") adapts the ledger to the core. A case is a
// case stream, opened by case.reported and ended by case.closed; an
// event's activity is, by default, its type name ("case.dispatched"), and
// Config.Activities may rename or refine it (Refined splits dispatches by
// mode, returns by reason, resolutions by outcome). The resource is the
// unit involved: the unit a dispatch sends to; the unit that returns,
// accepts, contacts or resolves; "channel:<channel>" for the report;
// otherwise the acting unit, or the actor kind when no unit acts. Topic
// streams are a different kind of case and are left out unless
// Config.Topics is set.
//
// The figures, for a reviewer:
//
//   - cases and events; activities with their events, the cases holding
//     them, and how many cases start or end with them;
//   - variants: the distinct sequences of activities, with how many cases
//     follow each and their share: the "happy path" is the top variant,
//     and a long tail of variants means cases wander;
//   - case duration, first to last event of an ended case: p50, p90, p95,
//     p99 and a histogram;
//   - the directly-follows graph: how often activity a is immediately
//     followed by b in a case, and the mean and median time between them,
//     plus the start and end activities;
//   - rework: an activity repeated within a case (a second dispatch after
//     a return, a second resolution after a reopening), per activity and
//     in total;
//   - handovers: consecutive events of a case whose resources differ, from
//     one unit to another; ping-pong between two units shows as handovers
//     both ways.
//
// Open cases are included with their trace so far (a partial trace): they
// count in cases, activities, variants (marked open), the graph, rework
// and handovers, but not in durations or end activities.
//
// Figures are kept per local day of a case's first event, so a query's
// From/To select whole days and its Period splits by that day. Report
// gives the activities table with three charts (the graph, the top
// variants, the duration histogram); Views gives every table (summary,
// activities, variants, dfg, rework, handovers) for the command line; and
// Results gives the same figures typed.
package process
