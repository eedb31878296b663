// Trains a tiny binary network on synthetic data and prints loss and accuracy.
//
//	PKG_CONFIG_PATH=<prefix>/lib/pkgconfig LD_LIBRARY_PATH=<prefix>/lib go run ./examples/train
package main

import (
	"errors"
	"fmt"
	"log"

	"github.com/libbnn/libbnn/bindings/go/bnn"
)

const model = `{
  "input_shape": [8],
  "layers": [
    {"type": "dense", "units": 16, "use_bias": false,
     "kernel_quantizer": {"type": "sign", "ste": "clipped", "clip": 1.0}},
    {"type": "batch_norm", "momentum": 0.9, "epsilon": 1e-5},
    {"type": "dense", "units": 3, "use_bias": false,
     "input_quantizer": {"type": "sign", "ste": "clipped"},
     "kernel_quantizer": {"type": "sign", "ste": "identity"}},
    {"type": "batch_norm"}
  ],
  "loss": "cross_entropy",
  "optimizer": {"type": "adam", "learning_rate": 0.001},
  "weight_clip": {"mode": "fixed", "value": 1.0},
  "seed": 1
}`

// synthetic: three classes, each a corner of the {-1,+1}^8 cube (far apart), plus noise.
func synthetic(n int) ([]float32, []int32) {
	centres := [3][8]float32{
		{1, 1, 1, 1, -1, -1, -1, -1},
		{-1, -1, 1, 1, 1, 1, -1, -1},
		{1, -1, -1, 1, 1, -1, 1, -1},
	}
	state := uint64(42)
	uniform := func() float32 {
		state = state*6364136223846793005 + 1442695040888963407
		return float32((state>>40)&0xFFFFFF) / 16777216.0
	}
	x := make([]float32, 0, n*8)
	y := make([]int32, 0, n)
	for i := 0; i < n; i++ {
		class := int(uniform()*3) % 3
		y = append(y, int32(class))
		for _, c := range centres[class] {
			x = append(x, c+1.2*(2*uniform()-1))
		}
	}
	return x, y
}

func main() {
	fmt.Printf("libbnn %s (%s)\n", bnn.Version(), bnn.ISA())
	x, y := synthetic(600)
	m, err := bnn.FromJSON(model)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	const batch = 50
	for epoch := 1; epoch <= 20; epoch++ {
		var loss float32
		for b := 0; b+batch <= len(y); b += batch {
			if loss, err = m.TrainStep(x[b*8:(b+batch)*8], y[b:b+batch]); err != nil {
				log.Fatal(err)
			}
		}
		if epoch%5 == 0 {
			flips, _ := m.FlipRatio()
			fmt.Printf("epoch %2d  loss %.4f  flips %.4f\n", epoch, loss, flips)
		}
	}
	loss, acc, err := m.Evaluate(x, y)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("loss %.4f  accuracy %.3f\n", loss, acc)

	// Errors carry the library's status and message.
	if _, err := m.TrainStep(x[:8], []int32{7}); errors.Is(err, bnn.StatusOutOfRange) {
		fmt.Println("a label out of range is refused:", err)
	}
	if acc < 0.9 {
		log.Fatalf("accuracy %.3f below 0.9", acc)
	}
}
