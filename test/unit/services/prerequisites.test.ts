import { describe, expect, it } from 'vitest';
import {
  javaProblem,
  MissingPrerequisiteError,
  parseJavaMajor,
  parsePythonVersion,
  pythonProblem,
  requireJava,
  requirePython,
} from '../../../local/services/prerequisites.js';

describe('prerequisite checks', () => {
  it('reads Java major versions from old and new version strings', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('java version "1.8.0_392"')).toBe(8);
    expect(parseJavaMajor('command not found')).toBeUndefined();
  });

  it('reads Python versions', () => {
    expect(parsePythonVersion('Python 3.11.7')).toEqual([3, 11]);
    expect(parsePythonVersion('nope')).toBeUndefined();
  });

  it('says what to install when Java is missing or too old', () => {
    expect(javaProblem(17, 'java')).toBeUndefined();
    expect(javaProblem('missing', 'java')).toMatch(/Java not found.*Install a Java 17\+ runtime.*openjdk-17/);
    expect(javaProblem(11, 'java')).toMatch(/Java 11 is too old.*Java 17\+/);
  });

  it('says what to install when Python is missing or too old', () => {
    expect(pythonProblem([3, 12], 'python3')).toBeUndefined();
    expect(pythonProblem('missing', 'python3')).toMatch(/Python not found.*Python 3\.10\+.*python3-venv/);
    expect(pythonProblem([3, 8], 'python3')).toMatch(/Python 3\.8 is too old/);
  });

  it('throws a MissingPrerequisiteError naming the install when the tool is absent', () => {
    expect(() => requireJava({ JAVA_HOME: '/nonexistent-jdk' })).toThrow(MissingPrerequisiteError);
    expect(() => requireJava({ JAVA_HOME: '/nonexistent-jdk' })).toThrow(/Install a Java 17\+ runtime/);
    expect(() => requirePython({ SIGNALFORGE_PYTHON: '/nonexistent/python3' })).toThrow(/Install Python 3\.10\+/);
  });
});
