// Package fastpng decodes the PNG formats Cityscapes ships (8-bit,
// non-interlaced grayscale, RGB or RGBA) into a caller-owned buffer.
//
// image/png spends its time in compress/flate and in a branchy Paeth
// filter, about 5 ms for a 256x512 RGB image and most of a CPU core at
// validation speed. Here libdeflate inflates the whole image stream in one
// call (the decompressed size is known from the header) and the row filters
// are undone branch-free in Go: about a quarter of the time. Other PNG
// formats return ErrUnsupported, for the caller to fall back to image/png.
package fastpng

/*
#cgo LDFLAGS: -l:libdeflate.a
#include <libdeflate.h>

// inflate decompresses a zlib stream of exactly outLen bytes (checking its
// Adler-32): 0 on success, else a libdeflate_result.
static int inflate(const void *in, size_t inLen, void *out, size_t outLen) {
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	if (d == NULL) return -1;
	enum libdeflate_result r = libdeflate_zlib_decompress(d, in, inLen, out, outLen, NULL);
	libdeflate_free_decompressor(d);
	return (int)r;
}
*/
import "C"

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"unsafe"
)

// ErrUnsupported marks a valid-looking PNG in a format this package leaves
// to image/png (palette, 16-bit, sub-byte gray, interlaced).
var ErrUnsupported = errors.New("PNG format not handled by fastpng")

// Image is a decoded image: Height rows of Width*Channels bytes, no padding.
type Image struct {
	Width, Height int
	Channels      int // 1 gray, 3 RGB, 4 RGBA
	Pix           []uint8
}

var signature = []byte("\x89PNG\r\n\x1a\n")

// maxPixels bounds what a header may ask for (Cityscapes is 2 Mpx; 64 Mpx
// of RGBA is 256 MiB), so a corrupt header cannot make us allocate wildly.
const maxPixels = 1 << 26

// Decoder holds the buffers one goroutine reuses across images. The zero
// value is ready; a Decoder must not be used by two goroutines at once.
type Decoder struct {
	stream []byte // the IDAT chunks' data, concatenated
	raw    []byte // inflated rows, each led by its filter byte
	zero   []byte // the all-zero row above the first
}

// Decode decodes png into pix (grown if too small) and returns the image,
// whose Pix aliases the returned buffer.
func (d *Decoder) Decode(png []byte, pix []byte) (Image, error) {
	if len(png) < len(signature) || !bytes.Equal(png[:len(signature)], signature) {
		return Image{}, errors.New("no PNG signature")
	}
	var (
		img      Image
		seenHdr  bool
		seenData bool
	)
	d.stream = d.stream[:0]
	for p := len(signature); ; {
		if len(png)-p < 12 {
			return Image{}, errors.New("truncated chunk")
		}
		n := int(binary.BigEndian.Uint32(png[p:]))
		if n > len(png)-p-12 {
			return Image{}, errors.New("truncated chunk")
		}
		typ := png[p+4 : p+8]
		data := png[p+8 : p+8+n]
		if crc32.ChecksumIEEE(png[p+4:p+8+n]) != binary.BigEndian.Uint32(png[p+8+n:]) {
			return Image{}, fmt.Errorf("%s chunk checksum mismatch", typ)
		}
		p += 12 + n
		switch string(typ) {
		case "IHDR":
			if seenHdr || p != len(signature)+25 || n != 13 {
				return Image{}, errors.New("bad IHDR chunk")
			}
			seenHdr = true
			var err error
			if img, err = header(data); err != nil {
				return Image{}, err
			}
		case "PLTE":
			// On a truecolour image a palette is a suggestion only.
		case "tRNS":
			// Transparency that image/png would turn into alpha: its job.
			return Image{}, ErrUnsupported
		case "IDAT":
			if !seenHdr {
				return Image{}, errors.New("IDAT before IHDR")
			}
			seenData = true
			d.stream = append(d.stream, data...)
		case "IEND":
			if !seenData {
				return Image{}, errors.New("no image data")
			}
			return d.finish(img, pix)
		default:
			if !seenHdr {
				return Image{}, errors.New("first chunk is not IHDR")
			}
			if typ[0]&0x20 == 0 { // an unknown critical chunk must not be skipped
				return Image{}, fmt.Errorf("unknown critical chunk %q", typ)
			}
		}
	}
}

// header checks an IHDR body.
func header(b []byte) (Image, error) {
	w := binary.BigEndian.Uint32(b[0:])
	h := binary.BigEndian.Uint32(b[4:])
	depth, colour, comp, filter, interlace := b[8], b[9], b[10], b[11], b[12]
	if w == 0 || h == 0 || w > 1<<20 || h > 1<<20 || uint64(w)*uint64(h) > maxPixels {
		return Image{}, fmt.Errorf("bad image size %dx%d", w, h)
	}
	if comp != 0 || filter != 0 || interlace > 1 {
		return Image{}, errors.New("bad IHDR chunk")
	}
	img := Image{Width: int(w), Height: int(h)}
	switch colour {
	case 0:
		img.Channels = 1
	case 2:
		img.Channels = 3
	case 6:
		img.Channels = 4
	default:
		return Image{}, ErrUnsupported
	}
	if depth != 8 || interlace != 0 {
		return Image{}, ErrUnsupported
	}
	return img, nil
}

// finish inflates the image stream and undoes the row filters into pix.
func (d *Decoder) finish(img Image, pix []byte) (Image, error) {
	stride := img.Width * img.Channels
	rawLen := img.Height * (1 + stride)
	if len(d.stream) == 0 {
		return Image{}, errors.New("no image data")
	}
	if rawLen > 1032*len(d.stream)+64 { // DEFLATE expands at most ~1032:1
		return Image{}, fmt.Errorf("%d bytes of image data cannot hold %dx%d pixels", len(d.stream), img.Width, img.Height)
	}
	if cap(d.raw) < rawLen {
		d.raw = make([]byte, rawLen)
	}
	raw := d.raw[:rawLen]
	if r := C.inflate(unsafe.Pointer(&d.stream[0]), C.size_t(len(d.stream)), unsafe.Pointer(&raw[0]), C.size_t(rawLen)); r != 0 {
		return Image{}, fmt.Errorf("image data does not inflate to %dx%d pixels (libdeflate result %d)", img.Width, img.Height, int(r))
	}
	n := img.Height * stride
	if cap(pix) < n {
		pix = make([]byte, n)
	}
	img.Pix = pix[:n]
	if cap(d.zero) < stride {
		d.zero = make([]byte, stride)
	}
	prev := d.zero[:stride]
	for y := range img.Height {
		in := raw[y*(1+stride) : (y+1)*(1+stride)]
		out := img.Pix[y*stride : (y+1)*stride]
		if err := unfilter(in[0], in[1:], out, prev, img.Channels); err != nil {
			return Image{}, fmt.Errorf("row %d: %w", y, err)
		}
		prev = out
	}
	return img, nil
}
