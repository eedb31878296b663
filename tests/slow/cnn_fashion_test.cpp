// The scaled-down binary CNN (examples/cnn_fashion_mnist.json) trained on Fashion-MNIST through
// the C API must reach >= 88% test accuracy in the epochs of its recipe. The budget is the
// recipe's epoch count (deterministic: same seed, same result whatever the machine's load); the
// wall time per epoch is printed, and the whole test is meant to stay under ~6 minutes on 2 cores.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bnn/bnn.h"

namespace {

const char* kData = "/usr/share/datasets/fashion-mnist";

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A dataset as arrays, read through the public API.
struct Arrays {
  std::vector<float> x;
  std::vector<int32_t> y;
  size_t n = 0, dim = 0;
};

Arrays load(const std::string& images, const std::string& labels) {
  bnn_dataset* d = nullptr;
  Arrays a;
  if (bnn_dataset_load_idx(images.c_str(), labels.c_str(), &d) != BNN_STATUS_OK) {
    ADD_FAILURE() << bnn_last_errmsg();
    return a;
  }
  a.n = bnn_dataset_count(d);
  a.dim = bnn_dataset_sample_size(d);
  a.x.resize(a.n * a.dim);
  a.y.resize(a.n);
  EXPECT_EQ(bnn_dataset_get(d, 0, a.n, a.x.data(), a.x.size(), a.y.data(), a.y.size()), BNN_STATUS_OK);
  bnn_dataset_free(d);
  return a;
}

}  // namespace

TEST(CnnFashion, ScaledCnnReaches88Percent) {
  if (!std::ifstream(std::string(kData) + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST not installed in " << kData << " (dataset-fashion-mnist)";
  const std::string doc_text = read_text(std::string(BNN_SOURCE_DIR) + "/examples/cnn_fashion_mnist.json");
  ASSERT_FALSE(doc_text.empty());
  bnn_model* raw = nullptr;
  ASSERT_EQ(bnn_model_create_from_json(doc_text.c_str(), &raw), BNN_STATUS_OK) << bnn_last_errmsg();
  std::unique_ptr<bnn_model, void (*)(bnn_model*)> m(raw, bnn_model_free);
  ASSERT_EQ(bnn_set_num_threads(0), BNN_STATUS_OK);

  // The recipe's training section: epochs, batch size, exponential learning-rate schedule.
  const nlohmann::json doc = nlohmann::json::parse(doc_text);
  const nlohmann::json& tr = doc.at("training");
  const int epochs = tr.value("epochs", 4);
  const size_t batch = tr.value("batch_size", 100);
  const double lr0 = doc.at("optimizer").value("learning_rate", 1e-3);
  const double lr1 = tr.contains("lr_schedule")
                         ? tr.at("lr_schedule").value("final_learning_rate", lr0)
                         : lr0;

  const std::string dir = kData;
  const Arrays train = load(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
  const Arrays test = load(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz");
  ASSERT_EQ(train.dim, bnn_model_input_size(m.get()));

  std::vector<size_t> order(train.n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(1);
  std::vector<float> xb(batch * train.dim);
  std::vector<int32_t> yb(batch);
  const auto start = std::chrono::steady_clock::now();
  float acc = 0.0f, loss = 0.0f;
  for (int e = 0; e < epochs; ++e) {
    const auto t0 = std::chrono::steady_clock::now();
    const double lr = epochs > 1 ? lr0 * std::pow(lr1 / lr0, static_cast<double>(e) / (epochs - 1)) : lr0;
    ASSERT_EQ(bnn_model_configure(m.get(), ("{\"learning_rate\":" + std::to_string(lr) + "}").c_str()),
              BNN_STATUS_OK);
    std::shuffle(order.begin(), order.end(), rng);
    double train_loss = 0.0;
    size_t steps = 0;
    for (size_t b0 = 0; b0 + batch <= train.n; b0 += batch) {
      for (size_t i = 0; i < batch; ++i) {
        const size_t s = order[b0 + i];
        std::copy(&train.x[s * train.dim], &train.x[(s + 1) * train.dim], &xb[i * train.dim]);
        yb[i] = train.y[s];
      }
      float l = 0.0f;
      ASSERT_EQ(bnn_model_train_step(m.get(), xb.data(), yb.data(), batch, &l), BNN_STATUS_OK)
          << bnn_model_errmsg(m.get());
      train_loss += l;
      ++steps;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(bnn_model_evaluate(m.get(), test.x.data(), test.y.data(), test.n, &loss, &acc),
              BNN_STATUS_OK);
    std::printf("epoch %d/%d: lr %.2e train loss %.4f | test acc %.4f | %.1f s (%s, %d threads)\n",
                e + 1, epochs, lr, train_loss / steps, acc, seconds, bnn_get_isa(),
                bnn_get_num_threads());
    std::fflush(stdout);
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("scaled CNN: test accuracy %.4f after %d epochs, %.1f s\n", acc, epochs, total);
  EXPECT_GE(acc, 0.88f);
}
