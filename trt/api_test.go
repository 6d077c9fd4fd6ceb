package trt

import (
	"bytes"
	"go/ast"
	"go/build"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The default build must offer exactly the tagged build's API, or code
// that compiles here would break with -tags tensorrt (which CI cannot
// compile: it has no TensorRT headers). Compare the exported declarations
// of the files each build compiles.
func TestStubMatchesTaggedAPI(t *testing.T) {
	tagged := exportedAPI(t, []string{"tensorrt"})
	plain := exportedAPI(t, nil)
	var missing, extra []string
	for k := range tagged {
		if !plain[k] {
			missing = append(missing, k)
		}
	}
	for k := range plain {
		if !tagged[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("the default build lacks:\n  %s\nand has what the tagged build lacks:\n  %s",
			strings.Join(missing, "\n  "), strings.Join(extra, "\n  "))
	}
	if len(tagged) < 60 {
		t.Fatalf("only %d exported declarations found; is the test reading the right files?", len(tagged))
	}
}

func exportedAPI(t *testing.T, tags []string) map[string]bool {
	t.Helper()
	ctx := build.Default
	ctx.BuildTags = tags
	ctx.CgoEnabled = true
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]bool{}
	typeString := func(e ast.Expr) string {
		var b bytes.Buffer
		printer.Fprint(&b, fset, e)
		return b.String()
	}
	fields := func(fl *ast.FieldList) string {
		if fl == nil {
			return ""
		}
		var parts []string
		for _, f := range fl.List {
			n := max(len(f.Names), 1)
			for i := 0; i < n; i++ {
				parts = append(parts, typeString(f.Type))
			}
		}
		return strings.Join(parts, ",")
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if ok, err := ctx.MatchFile(".", name); err != nil || !ok {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(".", name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				recv := ""
				if d.Recv != nil {
					recv = "(" + fields(d.Recv) + ")."
				}
				out["func "+recv+d.Name.Name+"("+fields(d.Type.Params)+")("+fields(d.Type.Results)+")"] = true
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							out["type "+s.Name.Name] = true
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								out["value "+n.Name] = true
							}
						}
					}
				}
			}
		}
	}
	return out
}
