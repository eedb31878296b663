// Every malformed-document class gives an error status and a message naming the JSON path.
#include "test_helpers.h"

namespace {

struct Case {
  const char* what;
  std::string json;
  bnn_status status;
  const char* path_in_message;
};

std::string doc_with_layers(const std::string& layers, const std::string& extra = "") {
  return R"({"input_shape": [4], "layers": [)" + layers + "]" + extra + "}";
}

}  // namespace

TEST(JsonErrors, EveryClassNamesThePath) {
  const std::string dense = R"({"type": "dense", "units": 3})";
  const std::vector<Case> cases = {
      {"syntax", "{\"input_shape\": [4], ", BNN_STATUS_INVALID_ARGUMENT, "syntax error"},
      {"not an object", "[1, 2]", BNN_STATUS_INVALID_ARGUMENT, "expected an object"},
      {"unknown top-level key", doc_with_layers(dense, R"(, "optimiser": {})"),
       BNN_STATUS_INVALID_ARGUMENT, "optimiser: unknown key"},
      {"unknown layer key", doc_with_layers(R"({"type": "dense", "units": 3, "unit": 4})"),
       BNN_STATUS_INVALID_ARGUMENT, "layers[0].unit: unknown key"},
      {"wrong type", doc_with_layers(R"({"type": "dense", "units": "three"})"),
       BNN_STATUS_INVALID_ARGUMENT, "layers[0].units: expected an integer"},
      {"out of range", doc_with_layers(R"({"type": "dense", "units": 0})"),
       BNN_STATUS_OUT_OF_RANGE, "layers[0].units"},
      {"unknown layer type", doc_with_layers(R"({"type": "densee", "units": 3})"),
       BNN_STATUS_INVALID_ARGUMENT, "layers[0].type: unknown layer type \"densee\""},
      {"unknown ste", doc_with_layers(R"({"type": "dense", "units": 3,
          "kernel_quantizer": {"type": "sign", "ste": "tanh"}})"),
       BNN_STATUS_INVALID_ARGUMENT, "layers[0].kernel_quantizer.ste: unknown value \"tanh\""},
      {"unknown optimizer", doc_with_layers(dense, R"(, "optimizer": {"type": "adamw"})"),
       BNN_STATUS_INVALID_ARGUMENT, "optimizer.type: unknown value \"adamw\""},
      {"optimizer key of another optimizer",
       doc_with_layers(dense, R"(, "optimizer": {"type": "sgd", "beta1": 0.9})"),
       BNN_STATUS_INVALID_ARGUMENT, "optimizer.beta1: unknown key"},
      {"optimizer out of range",
       doc_with_layers(dense, R"(, "optimizer": {"type": "adam", "beta2": 1.5})"),
       BNN_STATUS_OUT_OF_RANGE, "optimizer.beta2"},
      {"bn momentum out of range", doc_with_layers(dense + R"(, {"type": "batch_norm", "momentum": 2})"),
       BNN_STATUS_OUT_OF_RANGE, "layers[1].momentum"},
      {"weight clip mode", doc_with_layers(dense, R"(, "weight_clip": {"mode": "always"})"),
       BNN_STATUS_INVALID_ARGUMENT, "weight_clip.mode"},
      {"lr_scale", doc_with_layers(dense, R"(, "lr_scale": 3)"), BNN_STATUS_INVALID_ARGUMENT,
       "lr_scale: expected a string"},
      {"missing layers", R"({"input_shape": [4]})", BNN_STATUS_INVALID_ARGUMENT, "layers"},
      {"missing units", doc_with_layers(R"({"type": "dense"})"), BNN_STATUS_INVALID_ARGUMENT,
       "layers[0].units: required key is missing"},
      {"bad input_shape", R"({"input_shape": [0], "layers": [{"type": "dense", "units": 2}]})",
       BNN_STATUS_OUT_OF_RANGE, "input_shape[0]"},
      {"training unknown key", doc_with_layers(dense, R"(, "training": {"epoch": 3})"),
       BNN_STATUS_INVALID_ARGUMENT, "training.epoch: unknown key"},
      {"phase unknown key",
       doc_with_layers(dense, R"(, "training": {"phases": [{"from_epoch": 1, "ste": "x"}]})"),
       BNN_STATUS_INVALID_ARGUMENT, "training.phases[0].ste: unknown key"},
      {"schedule type", doc_with_layers(dense, R"(, "training": {"lr_schedule": {"type": "linear"}})"),
       BNN_STATUS_INVALID_ARGUMENT, "training.lr_schedule.type"},
      {"one class", doc_with_layers(R"({"type": "dense", "units": 1})"),
       BNN_STATUS_SHAPE_MISMATCH, "at least 2 output classes"},
      {"huge layer", R"({"input_shape": [4000], "layers": [{"type": "dense", "units": 1000000}]})",
       BNN_STATUS_OUT_OF_RANGE, "layers[0]"},
  };
  for (const Case& c : cases) {
    bnn_model* m = reinterpret_cast<bnn_model*>(0x1);
    const bnn_status s = bnn_model_create_from_json(c.json.c_str(), &m);
    EXPECT_EQ(s, c.status) << c.what << ": " << bnn_last_errmsg();
    EXPECT_EQ(m, nullptr) << c.what;
    EXPECT_NE(std::string(bnn_last_errmsg()).find(c.path_in_message), std::string::npos)
        << c.what << ": message was \"" << bnn_last_errmsg() << "\"";
  }
}

TEST(JsonErrors, ConfigurePatchErrorsChangeNothing) {
  using namespace bnn_test;
  ModelPtr m = make_model(R"({"input_shape": [4], "layers": [
      {"type": "dense", "units": 3, "kernel_quantizer": {"type": "sign"}},
      {"type": "batch_norm"}], "optimizer": {"type": "adam"}})");
  size_t n = 0;
  bnn_model_config_json(m, nullptr, 0, &n);
  std::string before(n, '\0');
  bnn_model_config_json(m, &before[0], n, &n);
  const std::vector<uint8_t> bytes = save_bytes(m);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"kernel_ste": "clipped", "learning_rate": -1})", "learning_rate"},
      {R"({"kernel_ste": "wrong"})", "kernel_ste"},
      {R"({"weight_clip": {"mode": "fixed", "value": 0}})", "weight_clip.value"},
      {R"({"batch_norm_momentum": 1.5})", "batch_norm_momentum"},
      {R"({"epochs": 3})", "epochs: unknown key"},
      {R"({"optimizer": {"type": "sgd", "momentum": 0.9}})", "optimizer.momentum"},
      {R"(not json)", "syntax"},
  };
  for (const auto& [patch, path] : bad) {
    EXPECT_NE(bnn_model_configure(m, patch.c_str()), BNN_STATUS_OK) << patch;
    EXPECT_NE(std::string(bnn_model_errmsg(m)).find(path), std::string::npos)
        << patch << " -> " << bnn_model_errmsg(m);
  }
  std::string after(n, '\0');
  bnn_model_config_json(m, &after[0], n, &n);
  EXPECT_EQ(before, after);
  EXPECT_EQ(bytes, save_bytes(m));
  ASSERT_EQ(bnn_model_configure(m, R"({"kernel_ste": "identity", "weight_clip": {"mode": "fixed",
      "value": 1.0}, "learning_rate": 1e-4, "batch_norm_momentum": 0.85})"), BNN_STATUS_OK)
      << bnn_model_errmsg(m);
  float v = 0;
  bnn_model_get_param_f32(m, BNN_PARAM_BATCH_NORM_MOMENTUM, &v);
  EXPECT_FLOAT_EQ(v, 0.85f);
  bnn_model_get_param_f32(m, BNN_PARAM_LEARNING_RATE, &v);
  EXPECT_FLOAT_EQ(v, 1e-4f);
}
