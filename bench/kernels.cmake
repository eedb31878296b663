# Kernel benchmarks (Google Benchmark; OpenBLAS only as a benchmark peer). Included from
# bench/CMakeLists.txt. Run them all with scripts/bench.sh, which writes docs/PERFORMANCE.md.
find_package(benchmark REQUIRED)
find_path(BNN_CBLAS_INCLUDE cblas.h PATHS /usr/include/x86_64-linux-gnu/openblas-pthread
          /usr/include/openblas NO_DEFAULT_PATH)
find_library(BNN_OPENBLAS_LIB NAMES openblas)

set(_bnn_bench_src ${CMAKE_CURRENT_LIST_DIR}/kernels_main.cpp ${CMAKE_CURRENT_LIST_DIR}/bench_bgemm.cpp
    ${CMAKE_CURRENT_LIST_DIR}/bench_sgemm.cpp ${CMAKE_CURRENT_LIST_DIR}/roofline.cpp)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  list(APPEND _bnn_bench_src ${CMAKE_CURRENT_LIST_DIR}/roofline_avx512.cpp
       ${CMAKE_CURRENT_LIST_DIR}/roofline_avx2.cpp)
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/roofline_avx512.cpp PROPERTIES
      COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mavx512vpopcntdq;-mfma")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/roofline_avx2.cpp PROPERTIES
      COMPILE_OPTIONS "-mavx2;-mfma")
else()
  list(APPEND _bnn_bench_src ${CMAKE_CURRENT_LIST_DIR}/roofline_none.cpp)
endif()
add_executable(bnn_bench_kernels ${_bnn_bench_src})
target_link_libraries(bnn_bench_kernels PRIVATE bnn_static benchmark::benchmark)
if(BNN_CBLAS_INCLUDE AND BNN_OPENBLAS_LIB)
  target_include_directories(bnn_bench_kernels PRIVATE ${BNN_CBLAS_INCLUDE})
  target_link_libraries(bnn_bench_kernels PRIVATE ${BNN_OPENBLAS_LIB})
  target_compile_definitions(bnn_bench_kernels PRIVATE BNN_BENCH_OPENBLAS=1)
else()
  message(STATUS "OpenBLAS not found: the SGEMM benchmark runs without its peer")
  target_compile_definitions(bnn_bench_kernels PRIVATE BNN_BENCH_OPENBLAS=0)
endif()

add_executable(bnn_bench_train ${CMAKE_CURRENT_LIST_DIR}/bench_train.cpp)
target_link_libraries(bnn_bench_train PRIVATE bnn_static benchmark::benchmark)
