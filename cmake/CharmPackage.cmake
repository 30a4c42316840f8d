# `cmake --build build --target charm` -> build/slurmctld_amd64.charm, laid out as charmcraft
# lays out a charm: dispatch (the native binary), metadata/config/actions yaml, manifest.yaml and
# hooks/<name> links to dispatch for Juju versions that predate dispatch.
find_program(ZIP_PROGRAM zip)
find_program(READELF_PROGRAM readelf REQUIRED)

set(CHARM_FILE ${CMAKE_BINARY_DIR}/slurmctld_amd64.charm)
set(CHARM_STAGE ${CMAKE_BINARY_DIR}/charm)

add_custom_target(check-static-linking
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cmake/check-static-linking.sh $<TARGET_FILE:dispatch>
  DEPENDS dispatch
  COMMENT "readelf -d dispatch: only glibc may be linked dynamically")

# cos-agent dashboards, packed as cos-lib sends them (LZMA + base64, see the tool's header).
find_program(XZ_PROGRAM xz REQUIRED)
add_executable(cos-pack-dashboards ${CMAKE_CURRENT_SOURCE_DIR}/src/tools/cos_pack_dashboards.cpp)
target_link_libraries(cos-pack-dashboards PRIVATE slurmctld_charm)
target_compile_options(cos-pack-dashboards PRIVATE ${PROJECT_WARNINGS})
file(GLOB COS_DASHBOARDS CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_SOURCE_DIR}/src/cos/grafana_dashboards/*.json)
file(GLOB_RECURSE COS_FILES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/cos/*)
set(COS_PACKED_DASHBOARDS ${CMAKE_BINARY_DIR}/cos/grafana_dashboards.packed.json)
add_custom_command(OUTPUT ${COS_PACKED_DASHBOARDS}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/cos
  COMMAND cos-pack-dashboards ${XZ_PROGRAM} slurmctld ${COS_PACKED_DASHBOARDS}
          src/cos/grafana_dashboards ${COS_DASHBOARDS}
  DEPENDS cos-pack-dashboards ${COS_DASHBOARDS}
  COMMENT "Packing the cos-agent dashboards")
add_custom_target(cos-dashboards ALL DEPENDS ${COS_PACKED_DASHBOARDS})

if(ZIP_PROGRAM)
  add_custom_command(OUTPUT ${CHARM_FILE}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cmake/pack-charm.sh
            ${CMAKE_CURRENT_SOURCE_DIR} $<TARGET_FILE:dispatch> ${CHARM_STAGE} ${CHARM_FILE}
            ${COS_PACKED_DASHBOARDS}
    DEPENDS dispatch check-static-linking ${COS_PACKED_DASHBOARDS} ${COS_FILES}
            ${CMAKE_CURRENT_SOURCE_DIR}/cmake/pack-charm.sh
            ${CMAKE_CURRENT_SOURCE_DIR}/metadata.yaml ${CMAKE_CURRENT_SOURCE_DIR}/config.yaml
            ${CMAKE_CURRENT_SOURCE_DIR}/actions.yaml
    COMMENT "Packing ${CHARM_FILE}")
  add_custom_target(charm ALL DEPENDS ${CHARM_FILE})
else()
  message(WARNING "zip not found: the `charm` target is not available (apt-get install zip)")
endif()
