# Version of the header-only library the symlink points at (Debian's nlohmann-json3-dev).
set(PACKAGE_VERSION "3.11")
if(PACKAGE_FIND_VERSION_MAJOR STREQUAL "3")
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
else()
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
endif()
