#include "avgPoolInferPlugin.h"
#include "avgPoolInferKernel.h"
#include "avgPoolInferMath.h"

#include <cstring>
#include <limits>
#include <utility>

using namespace nvinfer1;

namespace segtrt
{
namespace plugin
{
namespace
{

constexpr int32_t kNbInputs = 1;
constexpr int32_t kNbOutputs = 1;
constexpr int32_t kRank = 4; // N, C, H, W
// H and W: v1's documented range (the CPU twin's C ABI takes them as int32).
// The kernels and the workspace formula compute in int64, so nothing here
// overflows for any H, W up to this.
constexpr int64_t kMaxExtent = std::numeric_limits<int32_t>::max() - 1;
// N * C * H * W: keeps workspaceBytes (at most 4 bytes per input element,
// plus 255) far inside size_t.
constexpr int64_t kMaxVolume = int64_t{1} << 60;

// N * C * H * W <= kMaxVolume, for non-negative dims, without overflowing.
bool volumeFits(Dims const& in)
{
    int64_t volume = 1;
    for (int32_t i = 0; i < kRank; ++i)
    {
        if (in.d[i] == 0)
        {
            return true;
        }
        if (volume > kMaxVolume / in.d[i])
        {
            return false;
        }
        volume *= in.d[i];
    }
    return true;
}

// Checks concrete input dims (no -1) the kernels can take.
void requireRunnableInput(Dims const& in, std::string const& where)
{
    require(in.nbDims == kRank, where + ": input must be N x C x H x W, got rank " + std::to_string(in.nbDims));
    for (int32_t i = 0; i < kRank; ++i)
    {
        require(in.d[i] >= 0, where + ": input dims must be known and non-negative, got " + dimsToString(in));
    }
    require(in.d[2] >= 1 && in.d[3] >= 1, where + ": input H and W must be at least 1, got " + dimsToString(in));
    require(in.d[2] <= kMaxExtent && in.d[3] <= kMaxExtent, where + ": input H or W too large: " + dimsToString(in));
    require(volumeFits(in), where + ": input has more than 2^60 elements: " + dimsToString(in));
}

} // namespace

AvgPoolInferPlugin::AvgPoolInferPlugin(std::string layerName, int32_t kernelH, int32_t kernelW)
    : mLayerName(std::move(layerName))
    , mKernelH(kernelH)
    , mKernelW(kernelW)
{
    require(kernelH >= 1 && kernelW >= 1,
        where("create") + ": kernel_h and kernel_w must be at least 1, got " + std::to_string(kernelH) + " and "
            + std::to_string(kernelW));
}

std::string AvgPoolInferPlugin::where(char const* entryPoint) const
{
    return std::string(kAvgPoolInferName) + " '" + mLayerName + "' " + entryPoint;
}

IPluginCapability* AvgPoolInferPlugin::getCapabilityInterface(PluginCapabilityType type) noexcept
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
        reportCurrentException(mRecorder, "AvgPoolInfer::getCapabilityInterface");
    }
    return nullptr;
}

IPluginV3* AvgPoolInferPlugin::clone() noexcept
{
    try
    {
        return new AvgPoolInferPlugin(*this);
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "AvgPoolInfer::clone");
    }
    return nullptr;
}

char const* AvgPoolInferPlugin::getPluginName() const noexcept
{
    return kAvgPoolInferName;
}

char const* AvgPoolInferPlugin::getPluginVersion() const noexcept
{
    return kAvgPoolInferVersion;
}

char const* AvgPoolInferPlugin::getPluginNamespace() const noexcept
{
    return kPluginNamespace;
}

int32_t AvgPoolInferPlugin::getNbOutputs() const noexcept
{
    return kNbOutputs;
}

int32_t AvgPoolInferPlugin::getOutputDataTypes(
    DataType* outputTypes, int32_t nbOutputs, DataType const* inputTypes, int32_t nbInputs) const noexcept
{
    try
    {
        require(nbInputs == kNbInputs && nbOutputs == kNbOutputs, where("getOutputDataTypes") + ": needs 1 input and 1 output");
        outputTypes[0] = inputTypes[0];
        return 0;
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "AvgPoolInfer::getOutputDataTypes");
    }
    return -1;
}

int32_t AvgPoolInferPlugin::getOutputShapes(DimsExprs const* inputs, int32_t nbInputs, DimsExprs const* /*shapeInputs*/,
    int32_t nbShapeInputs, DimsExprs* outputs, int32_t nbOutputs, IExprBuilder& exprBuilder) noexcept
{
    try
    {
        require(nbInputs == kNbInputs && nbOutputs == kNbOutputs && nbShapeInputs == 0,
            where("getOutputShapes") + ": needs 1 input, no shape inputs and 1 output");
        DimsExprs const& in = inputs[0];
        require(in.nbDims == kRank, where("getOutputShapes") + ": input must be N x C x H x W, got rank " + std::to_string(in.nbDims));
        IDimensionExpr const* one = exprBuilder.constant(1);
        require(one != nullptr, where("getOutputShapes") + ": TensorRT returned no dimension expression");
        // out = in - min(kernel, in) + 1, per spatial axis.
        auto nonNull = [&](IDimensionExpr const* e) {
            require(e != nullptr, where("getOutputShapes") + ": TensorRT returned no dimension expression");
            return e;
        };
        auto pooled = [&](IDimensionExpr const& extent, int32_t kernel) {
            IDimensionExpr const* k = nonNull(exprBuilder.constant(kernel));
            IDimensionExpr const* used = nonNull(exprBuilder.operation(DimensionOperation::kMIN, extent, *k));
            IDimensionExpr const* rest = nonNull(exprBuilder.operation(DimensionOperation::kSUB, extent, *used));
            return nonNull(exprBuilder.operation(DimensionOperation::kSUM, *rest, *one));
        };
        outputs[0].nbDims = kRank;
        outputs[0].d[0] = in.d[0];
        outputs[0].d[1] = in.d[1];
        outputs[0].d[2] = pooled(*in.d[2], mKernelH);
        outputs[0].d[3] = pooled(*in.d[3], mKernelW);
        return 0;
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "AvgPoolInfer::getOutputShapes");
    }
    return -1;
}

bool AvgPoolInferPlugin::supportsFormatCombination(
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
        return desc.type == inOut[0].desc.type;
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "AvgPoolInfer::supportsFormatCombination");
    }
    return false;
}

int32_t AvgPoolInferPlugin::configurePlugin(
    DynamicPluginTensorDesc const* in, int32_t nbInputs, DynamicPluginTensorDesc const* /*out*/, int32_t nbOutputs) noexcept
{
    try
    {
        require(nbInputs == kNbInputs && nbOutputs == kNbOutputs, where("configurePlugin") + ": needs 1 input and 1 output");
        require(in[0].desc.dims.nbDims == kRank,
            where("configurePlugin") + ": input must be N x C x H x W, got " + dimsToString(in[0].desc.dims));
        // min/max are the profile's bounds (or -1 while still unknown).
        if (in[0].max.nbDims == kRank && in[0].max.d[2] >= 0 && in[0].max.d[3] >= 0)
        {
            require(in[0].max.d[2] <= kMaxExtent && in[0].max.d[3] <= kMaxExtent,
                where("configurePlugin") + ": input H or W too large: " + dimsToString(in[0].max));
        }
        if (in[0].min.nbDims == kRank && in[0].min.d[2] >= 0 && in[0].min.d[3] >= 0)
        {
            require(in[0].min.d[2] >= 1 && in[0].min.d[3] >= 1,
                where("configurePlugin") + ": input H and W must be at least 1, got " + dimsToString(in[0].min) + " (min)");
        }
        return 0;
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "AvgPoolInfer::configurePlugin");
    }
    return -1;
}

size_t AvgPoolInferPlugin::getWorkspaceSize(
    DynamicPluginTensorDesc const* inputs, int32_t nbInputs, DynamicPluginTensorDesc const* /*outputs*/, int32_t /*nbOutputs*/) const noexcept
{
    try
    {
        require(nbInputs == kNbInputs, where("getWorkspaceSize") + ": needs 1 input");
        // The horizontal sums of the largest input the profile allows: the
        // formula grows with each of N, C, H and W, so it bounds every input
        // of the profile.
        Dims const& max = inputs[0].max;
        requireRunnableInput(max, where("getWorkspaceSize"));
        return avgpool::workspaceBytes(max.d[0] * max.d[1], max.d[2], max.d[3], mKernelW);
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "AvgPoolInfer::getWorkspaceSize");
    }
    return 0;
}

int32_t AvgPoolInferPlugin::onShapeChange(
    PluginTensorDesc const* in, int32_t nbInputs, PluginTensorDesc const* out, int32_t nbOutputs) noexcept
{
    try
    {
        require(nbInputs == kNbInputs && nbOutputs == kNbOutputs, where("onShapeChange") + ": needs 1 input and 1 output");
        Dims const& x = in[0].dims;
        requireRunnableInput(x, where("onShapeChange"));
        Dims const& y = out[0].dims;
        int64_t const h = x.d[2];
        int64_t const w = x.d[3];
        require(y.nbDims == kRank && y.d[0] == x.d[0] && y.d[1] == x.d[1] && y.d[2] == avgpool::outputExtent(h, mKernelH)
                && y.d[3] == avgpool::outputExtent(w, mKernelW),
            where("onShapeChange") + ": output " + dimsToString(y) + " does not match input " + dimsToString(x)
                + " pooled by " + std::to_string(mKernelH) + " x " + std::to_string(mKernelW));
        return 0;
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "AvgPoolInfer::onShapeChange");
    }
    return -1;
}

int32_t AvgPoolInferPlugin::enqueue(PluginTensorDesc const* inputDesc, PluginTensorDesc const* /*outputDesc*/,
    void const* const* inputs, void* const* outputs, void* workspace, cudaStream_t stream) noexcept
{
    try
    {
        Dims const& x = inputDesc[0].dims;
        requireRunnableInput(x, where("enqueue"));
        ElementType const type = toElementType(inputDesc[0].type);
        int64_t const planes = x.d[0] * x.d[1];
        int64_t const h = x.d[2];
        int64_t const w = x.d[3];
        // TensorRT sized the workspace for the profile's largest input, which bounds this one.
        size_t const workspaceBytes = avgpool::workspaceBytes(planes, h, w, mKernelW);
        cudaError_t const err
            = launchAvgPoolInfer(inputs[0], outputs[0], workspace, workspaceBytes, planes, h, w, mKernelH, mKernelW, type, stream);
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
        reportCurrentException(mRecorder, "AvgPoolInfer::enqueue");
    }
    return -1;
}

IPluginV3* AvgPoolInferPlugin::attachToContext(IPluginResourceContext* context) noexcept
{
    try
    {
        auto* plugin = new AvgPoolInferPlugin(*this);
        plugin->mRecorder = context != nullptr ? context->getErrorRecorder() : nullptr;
        return plugin;
    }
    catch (...)
    {
        reportCurrentException(mRecorder, "AvgPoolInfer::attachToContext");
    }
    return nullptr;
}

PluginFieldCollection const* AvgPoolInferPlugin::getFieldsToSerialize() noexcept
{
    // Rebuilt on each call: a copy of this plugin must not point at the original's fields.
    mSerialFields[0] = PluginField(kKernelHField, &mKernelH, PluginFieldType::kINT32, 1);
    mSerialFields[1] = PluginField(kKernelWField, &mKernelW, PluginFieldType::kINT32, 1);
    mSerialized.nbFields = 2;
    mSerialized.fields = mSerialFields;
    return &mSerialized;
}

AvgPoolInferCreator::AvgPoolInferCreator()
{
    mFields[0] = PluginField(kKernelHField, nullptr, PluginFieldType::kINT32, 1);
    mFields[1] = PluginField(kKernelWField, nullptr, PluginFieldType::kINT32, 1);
    mFieldNames.nbFields = 2;
    mFieldNames.fields = mFields;
}

char const* AvgPoolInferCreator::getPluginName() const noexcept
{
    return kAvgPoolInferName;
}

char const* AvgPoolInferCreator::getPluginVersion() const noexcept
{
    return kAvgPoolInferVersion;
}

char const* AvgPoolInferCreator::getPluginNamespace() const noexcept
{
    return kPluginNamespace;
}

PluginFieldCollection const* AvgPoolInferCreator::getFieldNames() noexcept
{
    return &mFieldNames;
}

IPluginV3* AvgPoolInferCreator::createPlugin(char const* name, PluginFieldCollection const* fc, TensorRTPhase /*phase*/) noexcept
{
    try
    {
        std::string const layer = name != nullptr ? name : "";
        std::string const where = std::string(kAvgPoolInferName) + " '" + layer + "' createPlugin";
        require(fc != nullptr && (fc->nbFields == 0 || fc->fields != nullptr),
            where + ": no fields; kernel_h and kernel_w are required");
        int64_t kernel[2] = {0, 0};
        bool seen[2] = {false, false};
        for (int32_t i = 0; i < fc->nbFields; ++i)
        {
            PluginField const& f = fc->fields[i];
            char const* fieldName = f.name != nullptr ? f.name : "";
            int32_t const which = std::strcmp(fieldName, kKernelHField) == 0 ? 0 : std::strcmp(fieldName, kKernelWField) == 0 ? 1 : -1;
            if (which < 0)
            {
                logMessage(ILogger::Severity::kVERBOSE, where + ": ignoring field " + (*fieldName ? fieldName : "(unnamed)"));
                continue;
            }
            kernel[which] = readIntField(f);
            seen[which] = true;
        }
        require(seen[0] && seen[1], where + ": kernel_h and kernel_w are required");
        require(kernel[0] >= 1 && kernel[0] <= std::numeric_limits<int32_t>::max() && kernel[1] >= 1
                && kernel[1] <= std::numeric_limits<int32_t>::max(),
            where + ": kernel_h and kernel_w must be between 1 and 2^31-1, got " + std::to_string(kernel[0]) + " and "
                + std::to_string(kernel[1]));
        return new AvgPoolInferPlugin(layer, static_cast<int32_t>(kernel[0]), static_cast<int32_t>(kernel[1]));
    }
    catch (...)
    {
        reportCurrentException(nullptr, "AvgPoolInfer::createPlugin");
    }
    return nullptr;
}

} // namespace plugin
} // namespace segtrt
