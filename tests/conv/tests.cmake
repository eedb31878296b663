# The scaled CNN's slow test (tests/slow/cnn_fashion_test.cpp) reads Fashion-MNIST with the IDX
# loader of src/data (part of bnn_cli_lib, which brings zlib).
if(TARGET bnn_slow_tests AND TARGET bnn_cli_lib)
  target_link_libraries(bnn_slow_tests PRIVATE bnn_cli_lib)
endif()
