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

if(ZIP_PROGRAM)
  add_custom_command(OUTPUT ${CHARM_FILE}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cmake/pack-charm.sh
            ${CMAKE_CURRENT_SOURCE_DIR} $<TARGET_FILE:dispatch> ${CHARM_STAGE} ${CHARM_FILE}
    DEPENDS dispatch check-static-linking
            ${CMAKE_CURRENT_SOURCE_DIR}/cmake/pack-charm.sh
            ${CMAKE_CURRENT_SOURCE_DIR}/metadata.yaml ${CMAKE_CURRENT_SOURCE_DIR}/config.yaml
            ${CMAKE_CURRENT_SOURCE_DIR}/actions.yaml
    COMMENT "Packing ${CHARM_FILE}")
  add_custom_target(charm ALL DEPENDS ${CHARM_FILE})
else()
  message(WARNING "zip not found: the `charm` target is not available (apt-get install zip)")
endif()
