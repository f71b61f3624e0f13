/// A libyaml parser event converted to Swift values.
enum YAMLEvent {
    case streamStart
    case streamEnd
    case documentStart(Mark)
    case documentEnd
    case alias(anchor: String, mark: Mark)
    case scalar(value: String, anchor: String?, tag: String?, style: ConfigNode.Scalar.Style, mark: Mark)
    case sequenceStart(anchor: String?, mark: Mark)
    case sequenceEnd
    case mappingStart(anchor: String?, mark: Mark)
    case mappingEnd
}
