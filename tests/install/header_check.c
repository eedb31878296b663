/* The public header on its own compiles as strict C (C99) without a warning, and every entry
   point has the type the contract gives it. Compiled by tests/install/tests.cmake. */
#include <bnn/bnn.h>
#include <bnn/bnn.h> /* include guards */

typedef char status_ok_is_zero[BNN_STATUS_OK == 0 ? 1 : -1];

int bnn_header_check(void);
int bnn_header_check(void) {
  const char* (*version)(void) = bnn_version_string;
  uint32_t (*number)(void) = bnn_version_number;
  bnn_status (*create)(const char*, bnn_model**) = bnn_model_create_from_json;
  void (*release)(bnn_model*) = bnn_model_free;
  bnn_status (*step)(bnn_model*, const float*, const int32_t*, size_t, float*) =
      bnn_model_train_step;
  bnn_status (*predict)(bnn_model*, const float*, size_t, float*, size_t) = bnn_model_predict;
  bnn_status (*save)(const bnn_model*, uint8_t*, size_t, size_t*) = bnn_model_save_buffer;
  bnn_status (*load)(const uint8_t*, size_t, bnn_model**) = bnn_model_load_buffer;
  bnn_status (*set_f32)(bnn_model*, bnn_param, float) = bnn_model_set_param_f32;
  status_ok_is_zero ok;
  (void)version; (void)number; (void)create; (void)release; (void)step; (void)predict;
  (void)save; (void)load; (void)set_f32; (void)ok;
  return (int)BNN_STATUS_COUNT_ + (int)sizeof(BNN_VERSION_STRING);
}
