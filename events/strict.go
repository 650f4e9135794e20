package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// checkKeys walks JSON data against the Go type it decodes into and refuses
// what encoding/json lets through silently: a key given twice in one object
// (the last one would win) and a key that matches a field only when case is
// ignored ("UNIT" for "unit"). Unknown keys are left to DisallowUnknownFields.
func checkKeys(data []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := walkValue(dec, t, ""); err != nil && err != errSyntax {
		return err
	}
	return nil // syntax errors are reported by the decoder proper
}

// errSyntax stops the walk at malformed JSON; the decoder that runs after
// the walk reports it with its position.
var errSyntax = errors.New("syntax")

func walkValue(dec *json.Decoder, t reflect.Type, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return errSyntax
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch tok {
	case json.Delim('{'):
		var fields map[string]string
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return errSyntax
			}
			key, _ := kt.(string)
			at := joinPath(path, key)
			if seen[key] {
				return invalid(at, "is given twice")
			}
			seen[key] = true
			var ft reflect.Type
			if fields != nil {
				name, ok := fields[strings.ToLower(key)]
				if ok && name != key {
					return invalid(at, fmt.Sprintf("must be spelled %q", joinPath(path, name)))
				}
				if ok {
					ft = fieldType(t, name)
				}
			} else if t != nil && t.Kind() == reflect.Map {
				ft = t.Elem()
			}
			if err := walkValue(dec, ft, at); err != nil {
				return err
			}
		}
		_, _ = dec.Token() // '}'
	case json.Delim('['):
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walkValue(dec, et, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, _ = dec.Token() // ']'
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

type fieldInfo struct {
	names map[string]string       // lower-case name -> exact name
	types map[string]reflect.Type // exact name -> type
}

var fieldCache sync.Map // reflect.Type -> *fieldInfo

func fieldsOf(t reflect.Type) *fieldInfo {
	if fi, ok := fieldCache.Load(t); ok {
		return fi.(*fieldInfo)
	}
	fi := &fieldInfo{names: map[string]string{}, types: map[string]reflect.Type{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fi.names[strings.ToLower(name)] = name
		fi.types[name] = f.Type
	}
	fieldCache.Store(t, fi)
	return fi
}

func jsonFields(t reflect.Type) map[string]string { return fieldsOf(t).names }

func fieldType(t reflect.Type, name string) reflect.Type { return fieldsOf(t).types[name] }
