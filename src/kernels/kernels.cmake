# Kernel sources: one file per (family, ISA) under src/kernels/<family>/, each compiled with that
# ISA's flags and nothing else (STYLE.md 12). Natively every x86 path is built and chosen at run
# time; the NEON and wasm sources are built too (SIMDe emulates them) so that tests cover them.
# Under Emscripten only the portable and wasm SIMD128 sources are built; whether the wasm path is
# native depends on -msimd128 in the build's own flags (the SIMD flavour of the module).
set(_bnn_k ${CMAKE_CURRENT_SOURCE_DIR}/src/kernels)
set(BNN_KERNEL_SOURCES
    ${_bnn_k}/dispatch.cpp ${_bnn_k}/thread_pool.cpp ${_bnn_k}/signs.cpp
    ${_bnn_k}/bgemm/scalar.cpp ${_bnn_k}/sgemm/scalar.cpp ${_bnn_k}/update/scalar.cpp
    ${_bnn_k}/lut/scalar.cpp)
# The fused weight update must round exactly like its scalar oracle: no FMA contraction.
set(_bnn_no_contract "-ffp-contract=off")
set(BNN_SIMDE_DIR /usr/include/simde CACHE PATH "SIMDe headers (the folder named simde)")

if(EMSCRIPTEN)
  # Never -I/usr/include here (it would pull glibc headers into the wasm sysroot): a folder that
  # holds only a `simde` symlink is put on the include path of the SIMD sources instead.
  set(_bnn_simde_inc ${CMAKE_BINARY_DIR}/bnn-simde-include)
  file(MAKE_DIRECTORY ${_bnn_simde_inc})
  if(NOT EXISTS ${_bnn_simde_inc}/simde)
    file(CREATE_LINK ${BNN_SIMDE_DIR} ${_bnn_simde_inc}/simde SYMBOLIC)
  endif()
  set(_bnn_wasm ${_bnn_k}/bgemm/wasm_simd128.cpp ${_bnn_k}/sgemm/wasm_simd128.cpp)
  list(APPEND BNN_KERNEL_SOURCES ${_bnn_wasm} ${_bnn_k}/update/wasm_simd128.cpp
       ${_bnn_k}/lut/wasm_simd128.cpp)
  set_source_files_properties(${_bnn_wasm} PROPERTIES COMPILE_OPTIONS "-isystem;${_bnn_simde_inc}")
  set_source_files_properties(${_bnn_k}/update/wasm_simd128.cpp ${_bnn_k}/update/scalar.cpp
                              ${_bnn_k}/lut/wasm_simd128.cpp ${_bnn_k}/lut/scalar.cpp
                              PROPERTIES COMPILE_OPTIONS "${_bnn_no_contract}")
else()
  if(NOT EXISTS ${BNN_SIMDE_DIR}/simde-common.h)
    message(FATAL_ERROR "SIMDe not found at ${BNN_SIMDE_DIR} (Debian: libsimde-dev)")
  endif()
  get_filename_component(_bnn_simde_parent ${BNN_SIMDE_DIR} DIRECTORY)
  if(NOT _bnn_simde_parent STREQUAL "/usr/include")
    include_directories(SYSTEM ${_bnn_simde_parent})
  endif()
  # Portable SIMDe emulation of the other architectures' paths: baseline flags.
  list(APPEND BNN_KERNEL_SOURCES
       ${_bnn_k}/bgemm/neon.cpp ${_bnn_k}/sgemm/neon.cpp
       ${_bnn_k}/bgemm/wasm_simd128.cpp ${_bnn_k}/sgemm/wasm_simd128.cpp
       ${_bnn_k}/update/neon.cpp ${_bnn_k}/update/wasm_simd128.cpp
       ${_bnn_k}/lut/neon.cpp ${_bnn_k}/lut/wasm_simd128.cpp)
  set_source_files_properties(${_bnn_k}/update/scalar.cpp ${_bnn_k}/update/neon.cpp
                              ${_bnn_k}/update/wasm_simd128.cpp ${_bnn_k}/lut/scalar.cpp
                              ${_bnn_k}/lut/neon.cpp ${_bnn_k}/lut/wasm_simd128.cpp
                              PROPERTIES COMPILE_OPTIONS "${_bnn_no_contract}")
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|i.86)$")
    set(_bnn_flags_sse41 "-msse4.1")
    set(_bnn_flags_avx2 "-mavx2;-mfma")
    set(_bnn_flags_avx512 "-mavx2;-mfma;-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq")
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")  # false positives inside GCC 12 intrinsic headers
      list(APPEND _bnn_flags_avx512 -Wno-maybe-uninitialized)
    endif()
    set(_bnn_flags_avx512_vpopcntdq "${_bnn_flags_avx512};-mavx512vpopcntdq")
    foreach(_src bgemm/sse41 bgemm/avx2 bgemm/avx512 bgemm/avx512_vpopcntdq
                 sgemm/sse41 sgemm/avx2 sgemm/avx512)
      get_filename_component(_isa ${_src} NAME)
      list(APPEND BNN_KERNEL_SOURCES ${_bnn_k}/${_src}.cpp)
      set_source_files_properties(${_bnn_k}/${_src}.cpp PROPERTIES
                                  COMPILE_OPTIONS "${_bnn_flags_${_isa}}")
    endforeach()
    foreach(_isa sse41 avx2 avx512)
      list(APPEND BNN_KERNEL_SOURCES ${_bnn_k}/update/${_isa}.cpp ${_bnn_k}/lut/${_isa}.cpp)
      set_source_files_properties(${_bnn_k}/update/${_isa}.cpp ${_bnn_k}/lut/${_isa}.cpp PROPERTIES
                                  COMPILE_OPTIONS "${_bnn_flags_${_isa}};${_bnn_no_contract}")
    endforeach()
  endif()
endif()
