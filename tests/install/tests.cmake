# Installation and ABI hygiene (issue 7): exported symbols, the header in strict C and C++, and
# the C example built against an installed copy with find_package(bnn) and with pkg-config.
set(_bnn_install_dir ${CMAKE_CURRENT_LIST_DIR})

add_test(NAME install.exports_only_bnn_symbols
         COMMAND ${_bnn_install_dir}/check_exports.sh $<TARGET_FILE:bnn> ${PROJECT_VERSION_MAJOR})

set(_bnn_header_flags -Wall -Wextra -pedantic -Werror -I${PROJECT_SOURCE_DIR}/include -c)
set(_bnn_header_compilers "${CMAKE_C_COMPILER}|${CMAKE_CXX_COMPILER}")
find_program(BNN_CLANG clang)
find_program(BNN_CLANGXX clang++)
# clang too, unless it already is the project's compiler (one test per compiler name).
get_filename_component(_bnn_cc_name "${CMAKE_C_COMPILER}" NAME)
if(BNN_CLANG AND BNN_CLANGXX AND NOT _bnn_cc_name MATCHES "^clang")
  list(APPEND _bnn_header_compilers "${BNN_CLANG}|${BNN_CLANGXX}")
endif()
foreach(_pair IN LISTS _bnn_header_compilers)
  string(REPLACE "|" ";" _pair "${_pair}")
  list(GET _pair 0 _cc)
  list(GET _pair 1 _cxx)
  get_filename_component(_tag "${_cc}" NAME)
  add_test(NAME install.header_c99.${_tag}
           COMMAND ${_cc} -std=c99 -Wstrict-prototypes -Wmissing-prototypes ${_bnn_header_flags}
                   ${_bnn_install_dir}/header_check.c -o ${CMAKE_CURRENT_BINARY_DIR}/header_c99_${_tag}.o)
  foreach(_std 11 17)
    add_test(NAME install.header_cxx${_std}.${_tag}
             COMMAND ${_cxx} -std=c++${_std} ${_bnn_header_flags} ${_bnn_install_dir}/header_check.cpp
                     -o ${CMAKE_CURRENT_BINARY_DIR}/header_cxx${_std}_${_tag}.o)
  endforeach()
endforeach()

# A sanitizer build's library needs the sanitizer runtime in every program that links it: the
# install test is meaningful for ordinary builds only.
if(NOT BNN_SANITIZE)
  add_test(NAME install.c_example_find_package_and_pkg_config
           COMMAND ${_bnn_install_dir}/install_c_example.sh ${CMAKE_BINARY_DIR}
                   ${CMAKE_CURRENT_BINARY_DIR}/install-test)
  set_tests_properties(install.c_example_find_package_and_pkg_config PROPERTIES TIMEOUT 300)
endif()

get_property(_bnn_install_tests DIRECTORY PROPERTY TESTS)
list(FILTER _bnn_install_tests INCLUDE REGEX "^install\\.")
set_tests_properties(${_bnn_install_tests} PROPERTIES LABELS install)
