// Thread safety (issue 8), also run under ThreadSanitizer by scripts/test.d/30-tsan.sh (which
// selects the ThreadSafety.* tests): independent models trained concurrently from several
// threads through the C API, and the kernel thread pool at 1, 2 and 4 threads, must give results
// bit-identical to sequential, single-threaded runs.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "kernels/thread_pool.h"
#include "test_helpers.h"

namespace {

using bnn_test::ModelPtr;

// Big enough that the kernels split their work over the pool (>= 2^18 multiply-adds per call).
const char* kDoc = R"({"input_shape":[96],"layers":[
    {"type":"dense","units":96,"use_bias":false,
     "kernel_quantizer":{"type":"sign","ste":"clipped"}},
    {"type":"batch_norm"},
    {"type":"dense","units":96,"use_bias":false,
     "input_quantizer":{"type":"sign","ste":"clipped"},
     "kernel_quantizer":{"type":"sign","ste":"clipped"}},
    {"type":"batch_norm"},{"type":"relu"},
    {"type":"dense","units":5}],
  "optimizer":{"type":"adam","learning_rate":0.01},"weight_clip":{"mode":"fixed","value":1}})";

constexpr size_t kBatch = 32, kSteps = 6;

// Trains a fresh model (seed) for kSteps on its own data; returns its checkpoint bytes, which
// hold every tensor and the optimiser state.
std::vector<uint8_t> train(uint64_t seed) {
  std::string doc = kDoc;
  doc.insert(doc.size() - 1, ",\"seed\":" + std::to_string(seed));
  bnn_model* raw = nullptr;
  if (bnn_model_create_from_json(doc.c_str(), &raw) != BNN_STATUS_OK) return {};
  ModelPtr m(raw);
  const bnn_test::Synthetic d = bnn_test::make_synthetic(kBatch * kSteps, 96, 5, seed);
  for (size_t s = 0; s < kSteps; ++s)
    if (bnn_model_train_step(m, &d.x[s * kBatch * 96], &d.y[s * kBatch], kBatch, nullptr) !=
        BNN_STATUS_OK)
      return {};
  std::vector<float> logits(kBatch * 5);
  if (bnn_model_predict(m, d.x.data(), kBatch, logits.data(), logits.size()) != BNN_STATUS_OK)
    return {};
  std::vector<uint8_t> out = bnn_test::save_bytes(m);
  // Append the logits so that inference is compared too.
  const auto* p = reinterpret_cast<const uint8_t*>(logits.data());
  out.insert(out.end(), p, p + logits.size() * sizeof(float));
  return out;
}

class ThreadSafety : public ::testing::Test {
 protected:
  void TearDown() override { bnn_set_num_threads(0); }
};

TEST_F(ThreadSafety, ResultsDoNotDependOnTheThreadCount) {
  ASSERT_EQ(bnn_set_num_threads(1), BNN_STATUS_OK);
  const std::vector<uint8_t> ref = train(1);
  ASSERT_FALSE(ref.empty());
  for (int t : {2, 4, 1, 4}) {
    ASSERT_EQ(bnn_set_num_threads(t), BNN_STATUS_OK);
    EXPECT_EQ(bnn_get_num_threads(), t);
    EXPECT_EQ(train(1), ref) << t << " threads";
  }
}

TEST_F(ThreadSafety, IndependentModelsTrainConcurrentlyFromSeveralThreads) {
  constexpr int kModels = 4;
  ASSERT_EQ(bnn_set_num_threads(1), BNN_STATUS_OK);
  std::vector<std::vector<uint8_t>> sequential(kModels);
  for (int i = 0; i < kModels; ++i) sequential[i] = train(10 + i);
  for (int pool : {1, 2, 4}) {
    ASSERT_EQ(bnn_set_num_threads(pool), BNN_STATUS_OK);
    std::vector<std::vector<uint8_t>> concurrent(kModels);
    std::vector<std::thread> threads;
    for (int i = 0; i < kModels; ++i)
      threads.emplace_back([&, i] { concurrent[i] = train(10 + i); });
    for (auto& t : threads) t.join();
    for (int i = 0; i < kModels; ++i) {
      ASSERT_FALSE(concurrent[i].empty());
      EXPECT_EQ(concurrent[i], sequential[i]) << "model " << i << ", pool of " << pool;
    }
  }
}

TEST_F(ThreadSafety, ThreadCountChangesWhileOtherThreadsTrain) {
  ASSERT_EQ(bnn_set_num_threads(1), BNN_STATUS_OK);
  const std::vector<uint8_t> ref_a = train(21), ref_b = train(22);
  std::atomic<bool> done{false};
  std::thread changer([&] {
    int i = 0;
    while (!done.load()) {
      bnn_set_num_threads(1 + (i++ % 4));
      std::this_thread::yield();
    }
  });
  std::vector<uint8_t> a, b;
  std::thread ta([&] { a = train(21); });
  std::thread tb([&] { b = train(22); });
  ta.join();
  tb.join();
  done = true;
  changer.join();
  EXPECT_EQ(a, ref_a);
  EXPECT_EQ(b, ref_b);
}

// The pool's workers spin for the next region a little, then sleep (kernels/thread_pool.cpp):
// back-to-back regions (caught spinning), regions after a pause (caught sleeping) and regions
// from two callers at once (the second runs inline) must each run every task exactly once.
TEST_F(ThreadSafety, PoolRunsEveryTaskOnceWhetherItsWorkersSpinOrSleep) {
  for (int t : {2, 4}) {
    ASSERT_EQ(bnn_set_num_threads(t), BNN_STATUS_OK);
    std::atomic<int> wrong{0};
    auto regions = [&](int count, int pause_every) {
      for (int r = 0; r < count; ++r) {
        const size_t n = 1 + static_cast<size_t>(r % 7);
        std::vector<std::atomic<int>> runs(n);
        for (auto& c : runs) c.store(0);
        bnn::kernels::parallel_for(n, [&](size_t i) { runs[i].fetch_add(1); });
        for (auto& c : runs)
          if (c.load() != 1) ++wrong;
        if (pause_every && r % pause_every == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    };
    regions(3000, 0);
    regions(40, 4);
    std::thread other([&] { regions(2000, 0); });
    regions(2000, 0);
    other.join();
    EXPECT_EQ(wrong.load(), 0) << t << " threads";
  }
}

TEST_F(ThreadSafety, ErrorMessagesAreThreadLocal) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int k = 0; k < 50; ++k) {
        bnn_model* m = nullptr;
        const std::string doc = "{\"input_shape\":[4],\"layers\":[],\"thread" + std::to_string(i) + "\":1}";
        if (bnn_model_create_from_json(doc.c_str(), &m) == BNN_STATUS_OK) ++wrong;
        const std::string msg = bnn_last_errmsg();
        if (msg.find("thread" + std::to_string(i)) == std::string::npos) ++wrong;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
