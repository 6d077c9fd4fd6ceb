#include "spgExcitePlugin.h"
#include "spgExciteKernel.h"

#include <utility>

using namespace nvinfer1;

namespace segtrt
{
namespace plugin
{
namespace
{

constexpr int32_t kNbInputs = 3; // x, g, t
constexpr int32_t kNbOutputs = 1;

bool sameDims(Dims const& a, Dims const& b)
{
    if (a.nbDims != b.nbDims)
    {
        return false;
    }
    for (int32_t i = 0; i < a.nbDims; ++i)
    {
        if (a.d[i] != b.d[i])
        {
            return false;
        }
    }
    return true;
}

int64_t volume(Dims const& d)
{
    int64_t n = 1;
    for (int32_t i = 0; i < d.nbDims; ++i)
    {
        n *= d.d[i];
    }
    return n;
}

} // namespace

SpgExcitePlugin::SpgExcitePlugin(std::string layerName)
    : mLayerName(std::move(layerName))
{
}

std::string SpgExcitePlugin::where(char const* entryPoint) const
{
    return std::string(kSpgExciteName) + " '" + mLayerName + "' " + entryPoint;
}

IPluginCapability* SpgExcitePlugin::getCapabilityInterface(PluginCapabilityType type) noexcept
{
    try
    {
        switch (type)
        {
        case PluginCapabilityType::kCORE: return static_cast<IPluginV3OneCore*>(this);
        case PluginCapabilityType::kBUILD: return static_cast<IPluginV3OneBuild*>(this);
        case PluginCapabilityType::kRUNTIME: return static_cast<IPluginV3OneRuntime*>(this);
        }
        throw PluginError(ErrorCode::kINVALID_ARGUMENT, "unknown capability " + std::to_string(static_cast<int32_t>(type)));
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "SPGExcite::getCapabilityInterface");
    }
    return nullptr;
}

IPluginV3* SpgExcitePlugin::clone() noexcept
{
    try
    {
        return new SpgExcitePlugin(*this);
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "SPGExcite::clone");
    }
    return nullptr;
}

char const* SpgExcitePlugin::getPluginName() const noexcept
{
    return kSpgExciteName;
}

char const* SpgExcitePlugin::getPluginVersion() const noexcept
{
    return kSpgExciteVersion;
}

char const* SpgExcitePlugin::getPluginNamespace() const noexcept
{
    return kPluginNamespace;
}

int32_t SpgExcitePlugin::getNbOutputs() const noexcept
{
    return kNbOutputs;
}

int32_t SpgExcitePlugin::getOutputDataTypes(
    DataType* outputTypes, int32_t nbOutputs, DataType const* inputTypes, int32_t nbInputs) const noexcept
{
    try
    {
        require(nbInputs == kNbInputs && nbOutputs == kNbOutputs, where("getOutputDataTypes") + ": needs 3 inputs (x, g, t) and 1 output");
        require(inputTypes[0] == inputTypes[1] && inputTypes[0] == inputTypes[2],
            where("getOutputDataTypes") + ": x, g and t must have one data type");
        outputTypes[0] = inputTypes[0];
        return 0;
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "SPGExcite::getOutputDataTypes");
    }
    return -1;
}

int32_t SpgExcitePlugin::getOutputShapes(DimsExprs const* inputs, int32_t nbInputs, DimsExprs const* /*shapeInputs*/,
    int32_t nbShapeInputs, DimsExprs* outputs, int32_t nbOutputs, IExprBuilder& /*exprBuilder*/) noexcept
{
    try
    {
        require(nbInputs == kNbInputs && nbOutputs == kNbOutputs && nbShapeInputs == 0,
            where("getOutputShapes") + ": needs 3 inputs (x, g, t), no shape inputs and 1 output");
        for (int32_t i = 1; i < kNbInputs; ++i)
        {
            require(inputs[i].nbDims == inputs[0].nbDims, where("getOutputShapes") + ": x, g and t must have one rank");
            for (int32_t d = 0; d < inputs[0].nbDims; ++d)
            {
                IDimensionExpr const* a = inputs[0].d[d];
                IDimensionExpr const* b = inputs[i].d[d];
                require(!(a->isConstant() && b->isConstant() && a->getConstantValue() != b->getConstantValue()),
                    where("getOutputShapes") + ": x, g and t must have one shape (no broadcasting)");
            }
        }
        outputs[0] = inputs[0];
        return 0;
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "SPGExcite::getOutputShapes");
    }
    return -1;
}

bool SpgExcitePlugin::supportsFormatCombination(
    int32_t pos, DynamicPluginTensorDesc const* inOut, int32_t nbInputs, int32_t nbOutputs) noexcept
{
    try
    {
        require(nbInputs == kNbInputs && nbOutputs == kNbOutputs && pos >= 0 && pos < kNbInputs + kNbOutputs,
            where("supportsFormatCombination") + ": position out of range");
        PluginTensorDesc const& desc = inOut[pos].desc;
        if (desc.format != TensorFormat::kLINEAR)
        {
            return false;
        }
        if (pos == 0)
        {
            return desc.type == DataType::kFLOAT || desc.type == DataType::kHALF;
        }
        return desc.type == inOut[0].desc.type; // TensorRT asks about positions in order
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "SPGExcite::supportsFormatCombination");
    }
    return false;
}

int32_t SpgExcitePlugin::configurePlugin(
    DynamicPluginTensorDesc const* in, int32_t nbInputs, DynamicPluginTensorDesc const* /*out*/, int32_t nbOutputs) noexcept
{
    try
    {
        require(nbInputs == kNbInputs && nbOutputs == kNbOutputs, where("configurePlugin") + ": needs 3 inputs and 1 output");
        for (int32_t i = 1; i < kNbInputs; ++i)
        {
            require(sameDims(in[i].min, in[0].min) && sameDims(in[i].max, in[0].max),
                where("configurePlugin") + ": x, g and t must have one shape, got " + dimsToString(in[0].max) + " and "
                    + dimsToString(in[i].max) + " (max)");
        }
        return 0;
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "SPGExcite::configurePlugin");
    }
    return -1;
}

size_t SpgExcitePlugin::getWorkspaceSize(
    DynamicPluginTensorDesc const* /*inputs*/, int32_t /*nbInputs*/, DynamicPluginTensorDesc const* /*outputs*/, int32_t /*nbOutputs*/) const noexcept
{
    return 0;
}

int32_t SpgExcitePlugin::onShapeChange(
    PluginTensorDesc const* in, int32_t nbInputs, PluginTensorDesc const* out, int32_t nbOutputs) noexcept
{
    try
    {
        require(nbInputs == kNbInputs && nbOutputs == kNbOutputs, where("onShapeChange") + ": needs 3 inputs and 1 output");
        for (int32_t i = 1; i < kNbInputs; ++i)
        {
            require(sameDims(in[i].dims, in[0].dims), where("onShapeChange") + ": x, g and t must have one shape, got "
                    + dimsToString(in[0].dims) + " and " + dimsToString(in[i].dims));
        }
        require(sameDims(out[0].dims, in[0].dims), where("onShapeChange") + ": output shape " + dimsToString(out[0].dims)
                + " differs from the input shape " + dimsToString(in[0].dims));
        return 0;
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "SPGExcite::onShapeChange");
    }
    return -1;
}

int32_t SpgExcitePlugin::enqueue(PluginTensorDesc const* inputDesc, PluginTensorDesc const* /*outputDesc*/,
    void const* const* inputs, void* const* outputs, void* /*workspace*/, cudaStream_t stream) noexcept
{
    try
    {
        ElementType const type = toElementType(inputDesc[0].type);
        cudaError_t const err
            = launchSpgExcite(inputs[0], inputs[1], inputs[2], outputs[0], volume(inputDesc[0].dims), type, stream);
        if (err != cudaSuccess)
        {
            reportError(mRecorder, ErrorCode::kFAILED_EXECUTION,
                where("enqueue") + ": CUDA: " + cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
            return -1;
        }
        return 0;
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "SPGExcite::enqueue");
    }
    return -1;
}

IPluginV3* SpgExcitePlugin::attachToContext(IPluginResourceContext* context) noexcept
{
    try
    {
        auto* plugin = new SpgExcitePlugin(*this);
        plugin->mRecorder = context != nullptr ? context->getErrorRecorder() : nullptr;
        return plugin;
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "SPGExcite::attachToContext");
    }
    return nullptr;
}

PluginFieldCollection const* SpgExcitePlugin::getFieldsToSerialize() noexcept
{
    return &mSerialized; // no fields: the op has no attributes
}

char const* SpgExciteCreator::getPluginName() const noexcept
{
    return kSpgExciteName;
}

char const* SpgExciteCreator::getPluginVersion() const noexcept
{
    return kSpgExciteVersion;
}

char const* SpgExciteCreator::getPluginNamespace() const noexcept
{
    return kPluginNamespace;
}

PluginFieldCollection const* SpgExciteCreator::getFieldNames() noexcept
{
    return &mFieldNames;
}

IPluginV3* SpgExciteCreator::createPlugin(char const* name, PluginFieldCollection const* fc, TensorRTPhase /*phase*/) noexcept
{
    try
    {
        std::string const layer = name != nullptr ? name : "";
        if (fc != nullptr && fc->fields != nullptr)
        {
            for (int32_t i = 0; i < fc->nbFields; ++i)
            {
                char const* field = fc->fields[i].name != nullptr ? fc->fields[i].name : "(unnamed)";
                logMessage(ILogger::Severity::kVERBOSE,
                    std::string(kSpgExciteName) + " '" + layer + "': ignoring field " + field + " (the op has none)");
            }
        }
        return new SpgExcitePlugin(layer);
    }
    catch (...)
    {
        reportCurrentException(nullptr, "SPGExcite::createPlugin");
    }
    return nullptr;
}

} // namespace plugin
} // namespace segtrt
