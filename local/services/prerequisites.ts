import { spawnSync } from 'node:child_process';

/** A tool the machine lacks or has too old; the message says what to install. */
export class MissingPrerequisiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingPrerequisiteError';
  }
}

export const MIN_JAVA_MAJOR = 17;
export const MIN_PYTHON: readonly [number, number] = [3, 10];

/** `java -version` prints e.g. `openjdk version "17.0.15"` or, before Java 9, `"1.8.0_392"`. */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** `python3 --version` prints e.g. `Python 3.11.7`. */
export function parsePythonVersion(versionOutput: string): [number, number] | undefined {
  const match = /Python (\d+)\.(\d+)/.exec(versionOutput);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

export function javaProblem(found: number | undefined | 'missing', command: string): string | undefined {
  const install = `Install a Java ${MIN_JAVA_MAJOR}+ runtime (e.g. \`apt-get install openjdk-17-jre-headless\`) or set JAVA_HOME to one; the local Kafka broker needs it.`;
  if (found === 'missing') return `Java not found (tried \`${command}\`). ${install}`;
  if (found === undefined) return `Could not read the Java version from \`${command} -version\`. ${install}`;
  if (found < MIN_JAVA_MAJOR) return `Java ${found} is too old (found via \`${command}\`). ${install}`;
  return undefined;
}

export function pythonProblem(found: [number, number] | undefined | 'missing', command: string): string | undefined {
  const want = MIN_PYTHON.join('.');
  const install = `Install Python ${want}+ with venv support (e.g. \`apt-get install python3 python3-venv\`); the local AWS emulator (moto) runs from a project virtualenv.`;
  if (found === 'missing') return `Python not found (tried \`${command}\`). ${install}`;
  if (found === undefined) return `Could not read the Python version from \`${command} --version\`. ${install}`;
  const [major, minor] = found;
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    return `Python ${major}.${minor} is too old (found via \`${command}\`). ${install}`;
  }
  return undefined;
}

function run(command: string, args: string[]): { missing: boolean; output: string } {
  const res = spawnSync(command, args, { encoding: 'utf8' });
  if (res.error) return { missing: true, output: '' };
  return { missing: false, output: `${res.stdout ?? ''}${res.stderr ?? ''}` };
}

/** JAVA_HOME wins over PATH, like Kafka's own scripts. */
export function javaCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.JAVA_HOME ? `${env.JAVA_HOME}/bin/java` : 'java';
}

export function requireJava(env: NodeJS.ProcessEnv = process.env): string {
  const command = javaCommand(env);
  const res = run(command, ['-version']);
  const problem = javaProblem(res.missing ? 'missing' : parseJavaMajor(res.output), command);
  if (problem) throw new MissingPrerequisiteError(problem);
  return command;
}

export function requirePython(env: NodeJS.ProcessEnv = process.env): string {
  const command = env.SIGNALFORGE_PYTHON || 'python3';
  const res = run(command, ['--version']);
  const problem = pythonProblem(res.missing ? 'missing' : parsePythonVersion(res.output), command);
  if (problem) throw new MissingPrerequisiteError(problem);
  return command;
}

export function requireMaven(): string {
  const res = run('mvn', ['-v']);
  if (res.missing) {
    throw new MissingPrerequisiteError(
      'Maven not found (tried `mvn`). Install Apache Maven 3.6+ (e.g. `apt-get install maven`); it fetches the Kafka broker jars from Maven Central once.',
    );
  }
  return 'mvn';
}
