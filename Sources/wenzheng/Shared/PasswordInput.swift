import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a new password without it ever appearing in argv (and so in `ps`
/// or shell history): from the first line of standard input with
/// `--password-stdin`, or from a prompt with echo off, asked twice.
enum PasswordInput {
    static func read(fromStandardInput: Bool) throws -> String {
        if fromStandardInput {
            guard let line = Swift.readLine(strippingNewline: true) else {
                throw CommandFailure("--password-stdin was given but standard input is empty")
            }
            return line
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CommandFailure("no terminal to ask for the password on; pipe it in with --password-stdin")
        }
        let first = try prompt("New password: ")
        let second = try prompt("Repeat password: ")
        guard first == second else { throw CommandFailure("the two passwords differ") }
        return first
    }

    private static func prompt(_ text: String) throws -> String {
        guard let pointer = getpass(text) else { throw CommandFailure("could not read the password") }
        return String(cString: pointer)
    }
}
