/*
 * The entry points of libsegtrt_plugins.so that IPluginRegistry::loadLibrary
 * and `trtexec --dynamicPlugins` look up: getCreators lists the library's
 * IPluginCreatorV3One creators (TensorRT registers each under its own
 * namespace, "segtrt"), and setLoggerFinder hands the library the
 * application's logger.
 *
 * segtrtPluginsBuildInfo is ours: it names the plugins and the TensorRT
 * headers the library was built with.
 *
 * getPluginCreators is not exported: it is the deprecated entry point for
 * IPluginCreator (IPluginV2) creators, and this library has none.
 */
#include "avgpoolinfer/avgPoolInferPlugin.h"
#include "common/pluginCommon.h"
#include "spgexcite/spgExcitePlugin.h"

#define SEGTRT_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

namespace
{

segtrt::plugin::SpgExciteCreator gSpgExciteCreator;
segtrt::plugin::AvgPoolInferCreator gAvgPoolInferCreator;

nvinfer1::IPluginCreatorInterface* const gCreators[] = {&gSpgExciteCreator, &gAvgPoolInferCreator};

} // namespace

SEGTRT_PLUGIN_EXPORT void setLoggerFinder(nvinfer1::ILoggerFinder* finder)
{
    segtrt::plugin::setLoggerFinder(finder);
}

// Lists no creator inside a TensorRT of another major version than the
// headers the library was built with (see builtForRuntimeTensorRT): failing
// to register is better than a crash later.
SEGTRT_PLUGIN_EXPORT nvinfer1::IPluginCreatorInterface* const* getCreators(int32_t& nbCreators)
{
    if (!segtrt::plugin::builtForRuntimeTensorRT())
    {
        nbCreators = 0;
        return nullptr;
    }
    nbCreators = static_cast<int32_t>(sizeof(gCreators) / sizeof(gCreators[0]));
    return gCreators;
}

// Not a TensorRT entry point: what the library holds and which TensorRT
// headers built it, for `segtrt doctor` and people with `nm -D`.
SEGTRT_PLUGIN_EXPORT char const* segtrtPluginsBuildInfo()
{
    return segtrt::plugin::buildInfo();
}
