# Install rules: headers, the shared and static libraries, a CMake package (find_package(bnn) ->
# bnn::bnn, bnn::bnn_static) and a pkg-config file. Every file written here is relocatable, so
# `cmake --install BUILD --prefix ANYWHERE` gives a working prefix.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(BNN_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/bnn" CACHE STRING
    "Where to install the CMake package files, relative to the prefix")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/bnn" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        COMPONENT dev FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")

install(TARGETS bnn bnn_static EXPORT bnnTargets
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT runtime NAMELINK_COMPONENT dev
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT dev
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT runtime)
install(EXPORT bnnTargets NAMESPACE bnn:: DESTINATION "${BNN_INSTALL_CMAKEDIR}" COMPONENT dev)

if(ZLIB_FOUND)
  set(BNN_STATIC_NEEDS_ZLIB ON)
else()
  set(BNN_STATIC_NEEDS_ZLIB OFF)
endif()
configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/bnnConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/bnnConfig.cmake" INSTALL_DESTINATION "${BNN_INSTALL_CMAKEDIR}")
# Same major = ABI compatible (bnn.h, rule 9).
write_basic_package_version_file("${PROJECT_BINARY_DIR}/bnnConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/bnnConfig.cmake" "${PROJECT_BINARY_DIR}/bnnConfigVersion.cmake"
        DESTINATION "${BNN_INSTALL_CMAKEDIR}" COMPONENT dev)

# pkg-config: paths are written relative to the .pc file (${pcfiledir}) unless the install
# directories were given as absolute paths, so that the prefix can change at install time.
set(_bnn_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(BNN_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(BNN_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(BNN_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _bnn_pc_up "/root/${_bnn_pc_dir}" "/root")
  string(REGEX REPLACE "/$" "" _bnn_pc_up "${_bnn_pc_up}")
  set(BNN_PC_PREFIX "\${pcfiledir}/${_bnn_pc_up}")
  set(BNN_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(BNN_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
# What a static link needs besides libbnn.a (the library is C++ inside).
set(BNN_PC_LIBS_PRIVATE "-lstdc++ -lm")
if(ZLIB_FOUND)
  string(APPEND BNN_PC_LIBS_PRIVATE " -lz")
endif()
configure_file("${CMAKE_CURRENT_LIST_DIR}/bnn.pc.in" "${PROJECT_BINARY_DIR}/bnn.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/bnn.pc" DESTINATION "${_bnn_pc_dir}" COMPONENT dev)

# The command-line tool (target bnn_cli, installed as `bnn`), when it is built.
if(TARGET bnn_cli)
  install(TARGETS bnn_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT runtime)
endif()
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${CMAKE_INSTALL_DOCDIR}" COMPONENT runtime)

# The inference-only runtime (src/infer/infer.cmake): deployments link libbnn_infer alone.
if(TARGET bnn_infer)
  install(TARGETS bnn_infer bnn_infer_static
          LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT runtime NAMELINK_COMPONENT dev
          ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT dev)
endif()
