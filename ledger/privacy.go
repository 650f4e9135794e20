package ledger

import (
	"context"
	"fmt"

	"github.com/govledger/govledger/events"
	"github.com/govledger/govledger/privacy"
	"github.com/oklog/ulid/v2"
)

// KeyStore keeps one secret key per subject, outside the event log
// (privacy.PebbleKeys, privacy.MemKeys). It MUST be safe for concurrent
// use, and a key Create returns MUST be durable no later than the next
// append to the ledger's store is: an event sealed under a key is never
// acknowledged without it. (privacy.PebbleKeys writes keys into the
// store's own write-ahead log, ahead of the events sealed under them.)
type KeyStore interface {
	// Get returns the subject's key; ok is false when there is none.
	Get(ctx context.Context, subject string) (key []byte, ok bool, err error)
	// Create returns the subject's key, creating it when there is none;
	// concurrent calls for one subject MUST return the same key.
	Create(ctx context.Context, subject string) ([]byte, error)
	// Delete removes the subject's key; a missing key is no error.
	Delete(ctx context.Context, subject string) error
}

// KeyBatcher is an optional capability of a KeyStore: creating the keys of
// many subjects in one durable write. Without it the ledger calls Create
// once per subject. Missing keys MUST be created in the order given.
type KeyBatcher interface {
	// CreateMany returns the key of every subject, creating missing ones.
	CreateMany(ctx context.Context, subjects []string) (map[string][]byte, error)
}

// needsSeal reports whether a personal field is plain text of a subject.
func needsSeal(f events.PersonalField) bool {
	return f.Subject != "" && !f.Value.IsSealed() && f.Value.Text != "" && f.Value.Validate(f.Name) == nil
}

// sealKeys returns the keys of every subject whose plain personal text
// the call's drafts carry, creating missing keys in call order (so that a
// seeded key source gives reproducible keys). A subject already erased
// gets no new key: its draft is refused by the subject-erased rule.
func (l *Ledger) sealKeys(ctx context.Context, c *call) (map[string][]byte, error) {
	if l.keys == nil {
		return nil, nil
	}
	var subjects []string
	seen := map[string]bool{}
	for _, b := range c.batches {
		for i := range b.Drafts {
			d := &b.Drafts[i]
			if d.Payload == nil {
				continue
			}
			for _, f := range events.PersonalFields(d.Payload) {
				if !needsSeal(f) || seen[f.Subject] {
					continue
				}
				if l.erased(f.Subject) {
					return nil, &RuleError{Stream: b.Stream, ID: d.ID, Type: d.Payload.EventType(), Index: i, Rule: "subject-erased",
						Detail: fmt.Sprintf("subject %q has been erased", f.Subject)}
				}
				seen[f.Subject] = true
				subjects = append(subjects, f.Subject)
			}
		}
	}
	if len(subjects) == 0 {
		return nil, nil
	}
	if kb, ok := l.keys.(KeyBatcher); ok {
		keys, err := kb.CreateMany(ctx, subjects)
		if err != nil {
			return nil, fmt.Errorf("ledger: subject keys: %w", err)
		}
		return keys, nil
	}
	keys := make(map[string][]byte, len(subjects))
	for _, s := range subjects {
		k, err := l.keys.Create(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("ledger: key of %s: %w", s, err)
		}
		keys[s] = k
	}
	return keys, nil
}

// seal returns d's payload with every personal field that names a subject
// sealed under that subject's key from keys (see sealKeys). Without a key
// store the payload is returned as is, and EncodePayload refuses a
// subject's plain text.
func seal(keys map[string][]byte, d *events.Draft) (events.Payload, error) {
	if keys == nil || d.Payload == nil || events.PersonalFields(d.Payload) == nil {
		return d.Payload, nil
	}
	return events.MapPersonal(d.Payload, func(f events.PersonalField) (events.Personal, error) {
		if !needsSeal(f) {
			return f.Value, nil // invalid text is reported by Draft.Event
		}
		box, err := privacy.Seal(keys[f.Subject], d.ID, f.Name, f.Value.Text)
		if err != nil {
			return events.Personal{}, fmt.Errorf("ledger: seal %s: %w", f.Name, err)
		}
		return events.Personal{Sealed: &events.Sealed{Subject: f.Subject, Box: box}}, nil
	})
}

func (l *Ledger) erased(subject string) bool {
	l.regMu.RLock()
	defer l.regMu.RUnlock()
	return l.reg.erased[subject]
}

// EraseSubject crypto-shreds a subject: it appends subject.erased (a new
// event ID, occurred now) to the subjects registry stream and then deletes
// the subject's key, so that every sealed field of the subject can no
// longer be opened while the chain still verifies. New events naming the
// subject are refused (rule subject-erased), and so is a second erasure,
// which deletes the key all the same. Should the process stop between the
// two steps, New deletes the key. Without a key store only the event is
// appended.
func (l *Ledger) EraseSubject(ctx context.Context, subject, reason string, actor events.Actor) (Result, error) {
	res, err := l.Append(ctx, events.SubjectsStream, Any, events.Draft{
		ID: ulid.Make(), Stream: events.SubjectsStream, OccurredAt: l.now(), Actor: actor,
		Payload: &events.SubjectErased{Subject: subject, Reason: reason},
	})
	if err != nil && !l.erased(subject) {
		return Result{}, err
	}
	if l.keys != nil {
		if derr := l.keys.Delete(ctx, subject); derr != nil {
			return res, fmt.Errorf("ledger: erase %s: %w", subject, derr)
		}
	}
	return res, err
}

// shredErased deletes the keys of subjects already erased (a crash between
// appending subject.erased and deleting the key).
func (l *Ledger) shredErased(ctx context.Context) error {
	if l.keys == nil {
		return nil
	}
	for s := range l.reg.erased {
		if _, ok, err := l.keys.Get(ctx, s); err != nil || !ok {
			if err != nil {
				return fmt.Errorf("ledger: shred %s: %w", s, err)
			}
			continue
		}
		if err := l.keys.Delete(ctx, s); err != nil {
			return fmt.Errorf("ledger: shred %s: %w", s, err)
		}
	}
	return nil
}
