# Installation of the desktop integration files, and CPack: a Debian package with the programs
# and their Debian dependencies.
include(GNUInstallDirs)
set(BILEVEL_APP_ID "studio.bilevel.BilevelStudio")
install(FILES ${PROJECT_SOURCE_DIR}/packaging/${BILEVEL_APP_ID}.desktop
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/${BILEVEL_APP_ID}.metainfo.xml
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/metainfo)
install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/bilevel-studio.svg
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/icons/hicolor/scalable/apps
        RENAME ${BILEVEL_APP_ID}.svg)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/bilevel-studio
        RENAME copyright)

set(CPACK_PACKAGE_NAME "bilevel-studio")
set(CPACK_PACKAGE_VENDOR "Bilevel Studio")
set(CPACK_PACKAGE_CONTACT "Bilevel Studio developers <dev@bilevel.studio>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "Bilevel Studio trains the parameters of learnable image regularizers (Fields of\n"
    "Experts, total variation, convex ridge regularizers, input-convex networks) for\n"
    "denoising, deblurring and inpainting with inexact stochastic gradient descent (ISGD), beside\n"
    "the adaptive MAID method. The desktop application bilevel-studio shows loss and PSNR curves,\n"
    "reconstructions and the learned filters live, takes schedule changes while training runs,\n"
    "compares runs and exports the regularizer, plots and curves. bilevel-cli runs the same\n"
    "engine from the command line.")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${PROJECT_HOMEPAGE_URL}")
# dpkg-shlibdeps finds the shared libraries (Qt, QCustomPlot, OpenCV, ...); the Qt platform
# plugins are loaded at run time, so they are named here.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qt6-wayland")
include(CPack)
