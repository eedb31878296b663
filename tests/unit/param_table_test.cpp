// The parameter table is the one home of names, defaults and bounds: docs/SCHEMA.md must say the
// same, the JSON readers and the typed setters must enforce the same, and the typed getters read
// only their own type.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/param_table.h"
#include "test_helpers.h"

namespace {

using json = nlohmann::json;

std::string schema() {
  std::ifstream f(std::string(BNN_SOURCE_DIR) + "/docs/SCHEMA.md");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(ParamTable, SchemaOptimiserTableMatchesTheLibrary) {
  const std::string doc = schema();
  ASSERT_FALSE(doc.empty());
  // | `adam` | `epsilon` | 1e-8 | [1e-30, 1] |
  const std::regex row(R"(\| `(\w+)` \| `(\w+)` \| ([-0-9.e]+) \| \[([-0-9.e]+), ([-0-9.e]+)\] \|)");
  std::map<std::pair<std::string, std::string>, std::array<double, 3>> documented;
  for (std::sregex_iterator it(doc.begin(), doc.end(), row), end; it != end; ++it)
    documented[{(*it)[1], (*it)[2]}] = {std::stod((*it)[3]), std::stod((*it)[4]), std::stod((*it)[5])};
  size_t n = 0;
  const bnn::OptimizerKey* keys = bnn::optimizer_keys(&n);
  size_t in_json = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto& k = keys[i];
    if (!k.in_json) continue;
    ++in_json;
    const std::string type = bnn::kOptimizerNames[static_cast<int>(k.type)];
    auto it = documented.find({type, k.key});
    ASSERT_NE(it, documented.end()) << "docs/SCHEMA.md lacks " << type << "." << k.key;
    EXPECT_DOUBLE_EQ(it->second[0], k.def) << type << "." << k.key << " default";
    EXPECT_DOUBLE_EQ(it->second[1], k.lo) << type << "." << k.key << " lower bound";
    EXPECT_DOUBLE_EQ(it->second[2], k.hi) << type << "." << k.key << " upper bound";
  }
  EXPECT_EQ(documented.size(), in_json) << "docs/SCHEMA.md documents keys the library does not have";
}

TEST(ParamTable, SchemaTypedParameterTableMatchesTheLibrary) {
  const std::string doc = schema();
  // | `BNN_PARAM_STE_CLIP` | `ste_clip` | f32 | [1e-6, 1e6] |
  const std::regex row(R"(\| `BNN_PARAM_(\w+)` \| `(\w+)` \| (i32|f32) \| \[([-0-9.e]+), ([-0-9.e]+)\] \|)");
  size_t count = 0, documented = 0;
  const bnn::ParamInfo* const* all = bnn::all_params(&count);
  std::map<std::string, std::smatch> rows;
  for (std::sregex_iterator it(doc.begin(), doc.end(), row), end; it != end; ++it) {
    ++documented;
    const std::string name = (*it)[2];
    const bnn::ParamInfo* p = nullptr;
    for (size_t i = 0; i < count; ++i)
      if (name == all[i]->name) p = all[i];
    ASSERT_NE(p, nullptr) << name << " is documented but not a parameter";
    EXPECT_EQ((*it)[3] == "i32", p->integer) << name;
    double lo = 0, hi = 0;
    ASSERT_EQ(bnn_param_bounds(p->id, &lo, &hi), BNN_STATUS_OK);
    EXPECT_DOUBLE_EQ(std::stod((*it)[4]), lo) << name;
    EXPECT_DOUBLE_EQ(std::stod((*it)[5]), hi) << name;
  }
  size_t non_optimizer = 0;
  for (size_t i = 0; i < count; ++i) non_optimizer += !bnn::is_optimizer_param(all[i]->id);
  EXPECT_EQ(documented, non_optimizer);
}

json doc_with(const json& optimizer) {
  return {{"input_shape", {4}},
          {"layers", {{{"type", "dense"}, {"units", 2}, {"kernel_quantizer", {{"type", "sign"}}}}}},
          {"optimizer", optimizer}};
}

TEST(ParamTable, SettersAndJsonEnforceTheSameBoundsPerOptimiser) {
  size_t n = 0;
  const bnn::OptimizerKey* keys = bnn::optimizer_keys(&n);
  for (size_t i = 0; i < n; ++i) {
    const auto& k = keys[i];
    if (!k.param) continue;
    const std::string type = bnn::kOptimizerNames[static_cast<int>(k.type)];
    SCOPED_TRACE(type + "." + k.key);
    bnn_test::ModelPtr m = bnn_test::make_model(doc_with({{"type", type}}).dump());
    const auto p = static_cast<bnn_param>(k.param);
    double lo = 0, hi = 0;
    ASSERT_EQ(bnn_model_param_bounds(m, p, &lo, &hi), BNN_STATUS_OK) << bnn_model_errmsg(m);
    EXPECT_EQ(lo, k.lo);
    EXPECT_EQ(hi, k.hi);
    float v = -1;
    ASSERT_EQ(bnn_model_get_param_f32(m, p, &v), BNN_STATUS_OK);
    EXPECT_EQ(v, static_cast<float>(k.def));  // the document's default
    EXPECT_EQ(bnn_model_set_param_f32(m, p, static_cast<float>(k.hi) * 2 + 1), BNN_STATUS_OUT_OF_RANGE);
    if (k.lo > 0) {
      EXPECT_EQ(bnn_model_set_param_f32(m, p, static_cast<float>(k.lo) / 2), BNN_STATUS_OUT_OF_RANGE);
      if (k.in_json) {  // the JSON reader refuses the same value
        bnn_model* bad = nullptr;
        EXPECT_EQ(bnn_model_create_from_json(doc_with({{"type", type}, {k.key, k.lo / 2}}).dump().c_str(), &bad),
                  BNN_STATUS_OUT_OF_RANGE);
      }
    }
    int32_t iv;
    EXPECT_EQ(bnn_model_get_param_i32(m, p, &iv), BNN_STATUS_INVALID_ARGUMENT);
  }
}

TEST(ParamTable, TypedGettersRejectTheWrongType) {
  bnn_test::ModelPtr m = bnn_test::make_model(doc_with({{"type", "adam"}}).dump());
  int32_t i = 7;
  float f = 7;
  EXPECT_EQ(bnn_model_get_param_i32(m, BNN_PARAM_LEARNING_RATE, &i), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bnn_model_errmsg(m)).find("get_param_f32"), std::string::npos);
  EXPECT_EQ(i, 7);
  EXPECT_EQ(bnn_model_get_param_f32(m, BNN_PARAM_KERNEL_STE, &f), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_get_param_i32(m, BNN_PARAM_KERNEL_STE, &i), BNN_STATUS_OK);
  // Adam's epsilon: the widest bounds say 0 is fine (AdaGrad), Adam's own say 1e-30.
  double lo, hi;
  ASSERT_EQ(bnn_param_bounds(BNN_PARAM_EPSILON, &lo, &hi), BNN_STATUS_OK);
  EXPECT_EQ(lo, 0.0);
  ASSERT_EQ(bnn_model_param_bounds(m, BNN_PARAM_EPSILON, &lo, &hi), BNN_STATUS_OK);
  EXPECT_EQ(lo, 1e-30);
  EXPECT_EQ(bnn_model_param_bounds(m, BNN_PARAM_MOMENTUM, &lo, &hi), BNN_STATUS_UNSUPPORTED);
  EXPECT_EQ(bnn_model_param_bounds(m, static_cast<bnn_param>(12345), &lo, &hi), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_param_bounds(m, BNN_PARAM_EPSILON, nullptr, &hi), BNN_STATUS_INVALID_ARGUMENT);
}

}  // namespace
