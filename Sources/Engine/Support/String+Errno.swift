import Foundation

extension String {
    /// The C library's text for an errno value ("No such file or directory").
    public init(errno code: Int32) {
        self.init(cString: strerror(code))
    }
}
