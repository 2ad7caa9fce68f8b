package provider

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// encodeMsgPack writes a known value of typ (strings, numbers, bools,
// lists, maps and objects; nulls anywhere) in the plugin protocol's msgpack
// form. It does what tftypes.Value.MarshalMsgPack does without allocating
// an attribute path for every attribute of every element, which for tens of
// thousands of results is most of the cost. Unknown values and other types
// are an error; the caller then falls back to MarshalMsgPack.
func encodeMsgPack(typ tftypes.Type, v tftypes.Value) ([]byte, error) {
	w := msgpackWriter{buf: make([]byte, 0, 1<<16)}
	if err := w.value(typ, v); err != nil {
		return nil, err
	}
	return w.buf, nil
}

type msgpackWriter struct{ buf []byte }

func (w *msgpackWriter) value(typ tftypes.Type, v tftypes.Value) error {
	if !v.IsKnown() {
		return fmt.Errorf("unknown value of %s", typ)
	}
	if v.IsNull() {
		w.null()
		return nil
	}
	switch t := typ.(type) {
	case tftypes.Object:
		return w.object(t, v)
	case tftypes.List:
		var elems []tftypes.Value
		if err := v.As(&elems); err != nil {
			return err
		}
		w.header(len(elems), 0x90, 0xdc)
		for _, e := range elems {
			if err := w.value(t.ElementType, e); err != nil {
				return err
			}
		}
		return nil
	case tftypes.Map:
		var elems map[string]tftypes.Value
		if err := v.As(&elems); err != nil {
			return err
		}
		w.header(len(elems), 0x80, 0xde)
		for _, k := range slices.Sorted(maps.Keys(elems)) {
			w.str(k)
			if err := w.value(t.ElementType, elems[k]); err != nil {
				return err
			}
		}
		return nil
	}
	return w.primitive(typ, v)
}

func (w *msgpackWriter) object(t tftypes.Object, v tftypes.Value) error {
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return err
	}
	w.header(len(t.AttributeTypes), 0x80, 0xde)
	for _, name := range slices.Sorted(maps.Keys(t.AttributeTypes)) {
		w.str(name)
		attr, ok := attrs[name]
		if !ok {
			return fmt.Errorf("attribute %q has no value", name)
		}
		if err := w.value(t.AttributeTypes[name], attr); err != nil {
			return err
		}
	}
	return nil
}

func (w *msgpackWriter) primitive(typ tftypes.Type, v tftypes.Value) error {
	switch {
	case typ.Is(tftypes.String):
		var s string
		if err := v.As(&s); err != nil {
			return err
		}
		w.str(s)
	case typ.Is(tftypes.Bool):
		var b bool
		if err := v.As(&b); err != nil {
			return err
		}
		code := byte(0xc2)
		if b {
			code = 0xc3
		}
		w.buf = append(w.buf, code)
	case typ.Is(tftypes.Number):
		n := new(big.Float)
		if err := v.As(&n); err != nil {
			return err
		}
		if i, acc := n.Int64(); acc == big.Exact {
			w.buf = binary.BigEndian.AppendUint64(append(w.buf, 0xd3), uint64(i))
			return nil
		}
		f, _ := n.Float64()
		w.buf = binary.BigEndian.AppendUint64(append(w.buf, 0xcb), math.Float64bits(f))
	default:
		return fmt.Errorf("type %s is not encoded here", typ)
	}
	return nil
}

func (w *msgpackWriter) null() { w.buf = append(w.buf, 0xc0) }

// header writes an array or map header: fix (up to 15), 16- or 32-bit.
func (w *msgpackWriter) header(n int, fix, wide16 byte) {
	switch {
	case n < 16:
		w.buf = append(w.buf, fix|byte(n))
	case n <= math.MaxUint16:
		w.buf = binary.BigEndian.AppendUint16(append(w.buf, wide16), uint16(n))
	default:
		w.buf = binary.BigEndian.AppendUint32(append(w.buf, wide16+1), uint32(n))
	}
}

func (w *msgpackWriter) str(s string) {
	switch n := len(s); {
	case n < 32:
		w.buf = append(w.buf, 0xa0|byte(n))
	case n <= math.MaxUint8:
		w.buf = append(w.buf, 0xd9, byte(n))
	case n <= math.MaxUint16:
		w.buf = binary.BigEndian.AppendUint16(append(w.buf, 0xda), uint16(n))
	default:
		w.buf = binary.BigEndian.AppendUint32(append(w.buf, 0xdb), uint32(n))
	}
	w.buf = append(w.buf, s...)
}

// headerSize is how many bytes header writes for n elements.
func headerSize(n int) int {
	switch {
	case n < 16:
		return 1
	case n <= math.MaxUint16:
		return 3
	default:
		return 5
	}
}

// strSize is how many bytes str writes for a string of n bytes.
func strSize(n int) int {
	switch {
	case n < 32:
		return 1 + n
	case n <= math.MaxUint8:
		return 2 + n
	case n <= math.MaxUint16:
		return 3 + n
	default:
		return 5 + n
	}
}

// encodeScanResultsState writes the aether365_scan_results state of type
// typ: its attributes from attrs, except results and controls, which are
// written straight from the results. It gives the bytes encodeMsgPack gives
// for scanResultsState's value, in one buffer of the right size, without a
// Terraform value per result.
func encodeScanResultsState(typ tftypes.Object, attrs map[string]tftypes.Value, results *resultsMsgPack) ([]byte, error) {
	w := msgpackWriter{buf: make([]byte, 0, results.size()+1<<12)}
	w.header(len(typ.AttributeTypes), 0x80, 0xde)
	for _, name := range slices.Sorted(maps.Keys(typ.AttributeTypes)) {
		w.str(name)
		switch name {
		case "results":
			results.writeResults(&w)
			continue
		case "controls":
			results.writeControls(&w)
			continue
		}
		attr, ok := attrs[name]
		if !ok {
			return nil, fmt.Errorf("attribute %q has no value", name)
		}
		if err := w.value(typ.AttributeTypes[name], attr); err != nil {
			return nil, err
		}
	}
	return w.buf, nil
}
