package lang_test

import (
	"fmt"

	"github.com/lspkit/lspkit/samples/calc/lang"
)

// Parse a file, check and evaluate it, and print its problems, its values
// and its canonical form.
func Example() {
	text := "let r=2   # radius\nlet area = 3.14159*r^2\narea/(r-2)\n"
	f := lang.Parse(text)
	a := lang.Check("circle.calc", f, nil)
	for _, d := range a.Diagnostics {
		fmt.Printf("%q: %s\n", text[d.At.Start:d.At.End], d.Message)
	}
	for _, d := range a.Defs {
		fmt.Println(d.Name, "=", lang.FormatValue(d.Value, 3))
	}
	fmt.Print(lang.Format(f))
	// Output:
	// "/(r-2)": division by zero
	// r = 2
	// area = 12.566
	// let r = 2 # radius
	// let area = 3.14159 * r ^ 2
	// area / (r - 2)
}
