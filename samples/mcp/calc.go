package mcp

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/lspkit/lspkit/samples/calc/lang"
)

// The bounds of the calc tools' arguments, which their input schemas state.
const (
	MaxExpression = 64 << 10 // bytes of an expression to evaluate
	MaxSource     = 1 << 20  // bytes of a program to check
	MaxCount      = 100000   // how far count counts
	MaxDelay      = 60000    // milliseconds between two steps of count
)

// EvaluateArgs are the arguments of the evaluate tool.
type EvaluateArgs struct {
	Expression string `json:"expression" jsonschema:"a calc expression, such as 2*(3+4)^2 or sqrt(2)"`
}

// EvaluateResult is the structured result of evaluate.
type EvaluateResult struct {
	Value float64 `json:"value" jsonschema:"the value of the expression"`
	Text  string  `json:"text" jsonschema:"the value as calc prints it"`
}

// CheckArgs are the arguments of the check tool.
type CheckArgs struct {
	Source string `json:"source" jsonschema:"a calc program: one statement a line (let NAME = EXPR, or EXPR)"`
}

// CheckResult is the structured result of check.
type CheckResult struct {
	Diagnostics []Diagnostic `json:"diagnostics" jsonschema:"the problems found, in the order of the source; empty if none"`
}

// Diagnostic is one problem in a calc program.
type Diagnostic struct {
	Line     int    `json:"line" jsonschema:"the line, from 1"`
	Column   int    `json:"column" jsonschema:"the column, from 1, in Unicode characters"`
	Severity string `json:"severity" jsonschema:"error or warning"`
	Message  string `json:"message"`
}

// CountArgs are the arguments of the count tool.
type CountArgs struct {
	To      int `json:"to" jsonschema:"the number to count to"`
	DelayMs int `json:"delayMs" jsonschema:"milliseconds between two steps"`
}

// CountResult is the structured result of count.
type CountResult struct {
	Counted int `json:"counted" jsonschema:"the last number counted"`
}

// New returns the calc tool server: evaluate, check and count (see the
// package doc). Its logs go to logger (slog.Default() if nil).
func New(logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.Default()
	}
	s := NewServer(Implementation{Name: "lspkit-calc", Title: "calc tools (lspkit sample)", Version: "0.1.0"},
		WithLogger(logger),
		WithInstructions("Tools for calc, a small calculator language: evaluate an expression, check a program, or count slowly with progress."))
	AddTool(s, Tool{
		Name:        "evaluate",
		Title:       "Evaluate a calc expression",
		Description: "Evaluates one calc expression (numbers, + - * / % ^, parentheses, sqrt abs min max round) and returns its value. An invalid expression is a tool error listing its problems.",
		InputSchema: bounded[EvaluateArgs](func(s *jsonschema.Schema) { s.Properties["expression"].MaxLength = ptr(MaxExpression) }),
	}, evaluate)
	AddTool(s, Tool{
		Name:        "check",
		Title:       "Check a calc program",
		Description: "Checks a calc program (one statement a line: let NAME = EXPR, or EXPR) and returns its diagnostics with line and column.",
		InputSchema: bounded[CheckArgs](func(s *jsonschema.Schema) { s.Properties["source"].MaxLength = ptr(MaxSource) }),
	}, check)
	AddTool(s, Tool{
		Name:        "count",
		Title:       "Count slowly",
		Description: "Counts from 1 to `to`, one step every `delayMs` milliseconds, reporting progress at each step when asked. Cancel it to stop it.",
		InputSchema: bounded[CountArgs](func(s *jsonschema.Schema) {
			s.Properties["to"].Minimum, s.Properties["to"].Maximum = ptr(0.0), ptr(float64(MaxCount))
			s.Properties["delayMs"].Minimum, s.Properties["delayMs"].Maximum = ptr(0.0), ptr(float64(MaxDelay))
		}),
	}, count)
	return s
}

// bounded returns the schema generated for T, as edit changes it.
func bounded[T any](edit func(*jsonschema.Schema)) *jsonschema.Schema {
	s, err := jsonschema.For[T](nil)
	if err != nil {
		panic(err) // T is one of the types above: a programming error
	}
	edit(s)
	return s
}

func ptr[T any](v T) *T { return &v }

// evaluate evaluates one expression.
func evaluate(ctx context.Context, call *Call, in EvaluateArgs) (EvaluateResult, error) {
	f := lang.Parse(in.Expression)
	var expr *lang.Stmt
	var problems []string
	for _, st := range f.Stmts {
		switch {
		case st.Kind == lang.EmptyStmt:
		case expr != nil:
			problems = append(problems, fmt.Sprintf("%d:1: one expression only, on one line", st.Line+1))
		case st.Kind != lang.ExprStmt && st.Err == nil:
			problems = append(problems, fmt.Sprintf("%d:1: not an expression: let and import belong in a program (use check)", st.Line+1))
		default:
			expr = st
		}
	}
	if expr == nil && len(problems) == 0 {
		problems = append(problems, "1:1: the expression is empty")
	}
	a := lang.Check("expression", f, nil)
	for _, d := range diagnostics(f.Text, a.Diagnostics) {
		if d.Severity == "error" {
			problems = append(problems, fmt.Sprintf("%d:%d: %s", d.Line, d.Column, d.Message))
		}
	}
	if len(problems) > 0 {
		return EvaluateResult{}, &ToolError{Lines: append([]string{"invalid expression:"}, problems...)}
	}
	v, ok := a.Values[expr]
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		// JSON has no NaN or infinity, and calc reports most ways to get one.
		return EvaluateResult{}, &ToolError{Lines: []string{"the expression has no finite value"}}
	}
	res := EvaluateResult{Value: v, Text: lang.FormatValue(v, 10)}
	call.Log(ctx, LevelDebug, map[string]any{"expression": in.Expression, "value": res.Value})
	return res, nil
}

// check checks a program.
func check(ctx context.Context, call *Call, in CheckArgs) (CheckResult, error) {
	f := lang.Parse(in.Source)
	a := lang.Check("source.calc", f, nil)
	res := CheckResult{Diagnostics: diagnostics(f.Text, a.Diagnostics)}
	call.Log(ctx, LevelInfo, map[string]any{"lines": len(f.Stmts), "diagnostics": len(res.Diagnostics)})
	return res, nil
}

// diagnostics turns calc's diagnostics into the tools' own, with lines and
// columns from 1.
func diagnostics(text string, ds []lang.Diagnostic) []Diagnostic {
	out := make([]Diagnostic, 0, len(ds)) // [] rather than null when there are none
	for _, d := range ds {
		start := min(max(d.At.Start, 0), len(text))
		lineStart := strings.LastIndexByte(text[:start], '\n') + 1
		sev := "error"
		if d.Severity == lang.Warning {
			sev = "warning"
		}
		out = append(out, Diagnostic{
			Line:     strings.Count(text[:lineStart], "\n") + 1,
			Column:   utf8.RuneCountInString(text[lineStart:start]) + 1,
			Severity: sev,
			Message:  d.Message,
		})
	}
	slices.SortStableFunc(out, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return out
}

// count counts to in.To, a step every in.DelayMs, with progress. When the
// call is cancelled it stops at once and says so in the server's log (not
// to the client: nothing more is sent for a cancelled call).
func count(ctx context.Context, call *Call, in CountArgs) (CountResult, error) {
	delay := time.Duration(in.DelayMs) * time.Millisecond
	t := time.NewTimer(delay)
	defer t.Stop()
	counted := 0
	stopped := func() (CountResult, error) {
		call.Logger().Info("mcp: count stopped: the call was cancelled", "counted", counted, "to", in.To, "cause", context.Cause(ctx))
		return CountResult{}, context.Cause(ctx)
	}
	for i := 1; i <= in.To; i++ {
		select {
		case <-ctx.Done():
			return stopped()
		case <-t.C:
			t.Reset(delay)
		}
		if err := call.Progress(ctx, float64(i), float64(in.To), fmt.Sprintf("counted %d of %d", i, in.To)); err != nil {
			if ctx.Err() != nil {
				return stopped()
			}
			return CountResult{}, err
		}
		counted = i
	}
	call.Logger().Info("mcp: count done", "counted", counted)
	return CountResult{Counted: counted}, nil
}
