// The public header compiles as C++ without a warning (-Wall -Wextra -pedantic -Werror) and gives
// C linkage. Compiled by tests/install/tests.cmake for each C++ standard it lists.
#include <bnn/bnn.h>

extern "C" typedef bnn_status create_fn(const char*, bnn_model**);

int bnn_header_check_cxx();
int bnn_header_check_cxx() {
  create_fn* create = &bnn_model_create_from_json;
  bnn_status s = BNN_STATUS_OK;
  switch (s) {  // -Wswitch would flag a status the enum lacks
    case BNN_STATUS_OK:
      break;
    default:
      break;
  }
  return create != nullptr ? static_cast<int>(BNN_STATUS_COUNT_) : 0;
}
