import { describe, expect, it } from 'vitest';
import { jvmDownloadHint } from './offline-hint.ts';

describe('jvmDownloadHint', () => {
  it('says in words that Maven could not download, and what to do', () => {
    const hint = jvmDownloadHint('maven', [
      '[INFO] BUILD FAILURE',
      '[ERROR] Plugin org.apache.maven.plugins:maven-resources-plugin:3.3.1 or one of its dependencies could not be resolved: Failed to read artifact descriptor: Could not transfer artifact org.apache.maven.plugins:maven-resources-plugin:pom:3.3.1 from/to central (https://repo.maven.apache.org/maven2): repo.maven.apache.org: Temporary failure in name resolution',
    ]);
    expect(hint).toMatch(
      /The Maven build had to download plugins or dependencies and this machine can't reach/,
    );
    expect(hint).toMatch(/~\/\.m2/);
    expect(hint).toMatch(/JDK alone/);
  });

  it("names Gradle's own download through the wrapper", () => {
    const hint = jvmDownloadHint('gradle', [
      'Downloading https://services.gradle.org/distributions/gradle-8.10-bin.zip',
      'Exception in thread "main" java.net.UnknownHostException: services.gradle.org',
    ]);
    expect(hint).toMatch(/Gradle itself, through gradlew/);
    expect(hint).toMatch(/GRADLE_USER_HOME/);
  });

  it('stays silent for a compile error', () => {
    expect(
      jvmDownloadHint('maven', [
        '[ERROR] /src/main/java/App.java:[3,8] cannot find symbol',
        '[INFO] BUILD FAILURE',
      ]),
    ).toBeUndefined();
  });
});
